// The incident page, live: the timeline grows as events are committed, the actions table follows them,
// and people who may approve decide on pending actions here. Events come over /ws/incidents/<uuid>/;
// a gap in seq, a reconnect or a missed hello is repaired from the events API, so nothing is lost.
(() => {
  "use strict";
  const root = document.getElementById("live");
  if (!root) return;
  const uuid = root.dataset.incident;
  const canApprove = root.dataset.canApprove === "true";
  const me = root.dataset.user;
  const statusLine = document.getElementById("live-status");
  const timeline = document.getElementById("timeline");
  const actionRows = document.getElementById("actions");
  let lastSeq = Number(root.dataset.lastSeq);
  let retry = 500;
  let resyncing = null;
  const notes = new Map(); // action id -> why the last decision was refused

  const csrf = () => (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";
  const setStatus = (text, state) => { statusLine.textContent = text; statusLine.dataset.state = state; };
  const cell = (row, text, tag = "td") => {
    const element = document.createElement(tag);
    element.textContent = text;
    row.appendChild(element);
    return element;
  };

  function addEvent(event) {
    const row = document.createElement("tr");
    row.dataset.seq = String(event.seq);
    cell(row, String(event.seq));
    cell(row, event.type);
    const details = document.createElement("td");
    const code = document.createElement("code");
    code.textContent = JSON.stringify(event.payload);
    details.appendChild(code);
    row.appendChild(details);
    cell(row, event.created_at.replace("T", " ").slice(0, 19));
    timeline.appendChild(row);
    lastSeq = event.seq;
    if (event.type.startsWith("action.") || event.type === "incident.status_changed") refreshActions();
  }

  async function resync() {
    if (resyncing) return resyncing;
    resyncing = (async () => {
      try {
        const answer = await fetch(`/api/v1/incidents/${uuid}/events/?since=${lastSeq}`, { credentials: "same-origin" });
        if (!answer.ok) throw new Error(`events: HTTP ${answer.status}`);
        const body = await answer.json();
        body.events.filter((event) => event.seq > lastSeq).forEach(addEvent);
      } finally {
        resyncing = null;
      }
    })();
    return resyncing;
  }

  function onEvent(event) {
    if (event.seq <= lastSeq) return;
    if (event.seq === lastSeq + 1 && !resyncing) addEvent(event);
    else resync();
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/ws/incidents/${uuid}/`);
    socket.onmessage = (message) => {
      const data = JSON.parse(message.data);
      if (data.type === "hello") {
        retry = 500;
        setStatus("live", "live");
        if (data.last_seq > lastSeq) resync();
      } else if (data.type === "event") {
        onEvent(data.event);
      } else if (data.type === "revoked") {
        setStatus("your access to this incident was withdrawn", "closed");
      }
    };
    socket.onclose = (closing) => {
      if ([4401, 4403, 4404].includes(closing.code)) {
        if (statusLine.dataset.state !== "closed") setStatus("not allowed to watch this incident", "closed");
        return;
      }
      setStatus(`reconnecting in ${Math.round(retry / 1000)} s`, "reconnecting");
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 15000);
    };
  }

  async function decide(action, verb, body) {
    const answer = await fetch(`/api/v1/actions/${action.id}/${verb}/`, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body),
    });
    const result = await answer.json().catch(() => ({}));
    if (answer.ok) notes.delete(action.id);
    else notes.set(action.id, typeof result.detail === "string" ? result.detail : JSON.stringify(result));
    await refreshActions();
  }

  function actionRow(action) {
    const row = document.createElement("tr");
    row.dataset.action = action.id;
    row.dataset.status = action.status;
    const command = document.createElement("td");
    const code = document.createElement("code");
    const c = action.command;
    code.textContent = `${c.verb} ${c.target.kind}/${c.target.name} -n ${c.namespace} ${JSON.stringify(c.args)}`;
    command.appendChild(code);
    const why = document.createElement("small");
    why.textContent = ` ${action.rationale}`;
    command.appendChild(why);
    row.appendChild(command);
    cell(row, action.risk_class);
    cell(row, action.status + (action.status_reason ? `: ${action.status_reason}` : ""));
    cell(row, `${action.approvals.filter((a) => a.decision === "approve").length}/${action.approvals_required}`);
    cell(row, action.requester_agent ? `${action.requester_user} (agent run)` : action.requester_user || "");
    const decision = document.createElement("td");
    const mine = action.requester_user === me;
    const decided = action.approvals.some((a) => a.user === me);
    if (action.status === "pending" && canApprove && !mine && !decided) {
      const approve = document.createElement("button");
      approve.textContent = "Approve";
      approve.className = "approve";
      approve.onclick = () => decide(action, "approve", { action_hash: action.action_hash });
      const reason = document.createElement("input");
      reason.placeholder = "reason to reject";
      reason.className = "reason";
      const reject = document.createElement("button");
      reject.textContent = "Reject";
      reject.className = "reject";
      reject.onclick = () => decide(action, "reject", { reason: reason.value });
      decision.append(approve, " ", reason, " ", reject);
    } else if (action.status === "pending" && mine) {
      decision.textContent = "you requested it: another person decides";
    }
    const note = document.createElement("div");
    note.className = "decision-note";
    note.textContent = notes.get(action.id) || "";
    decision.appendChild(note);
    row.appendChild(decision);
    return row;
  }

  async function refreshActions() {
    const answer = await fetch(`/api/v1/incidents/${uuid}/actions/`, { credentials: "same-origin" });
    if (!answer.ok) return;
    const actions = await answer.json();
    actionRows.replaceChildren(...actions.map(actionRow));
  }

  refreshActions();
  connect();
})();
