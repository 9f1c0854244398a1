// The incident page, live: the timeline grows as events are committed, the actions table follows them,
// and people who may approve decide on pending actions here. Events come over /ws/incidents/<uuid>/;
// a gap in seq, a reconnect or a missed hello is repaired from the events API, so nothing is lost.
// The Reasoning panel shows the agents' runs step by step, their model output growing as token deltas
// arrive; deltas stay out of the timeline, which they would flood. The page comes with the timeline's rows,
// not the panel, so the panel is rebuilt from the start of the log through the same handler as the stream.
(() => {
  "use strict";
  const root = document.getElementById("live");
  if (!root) return;
  const uuid = root.dataset.incident;
  const canApprove = root.dataset.canApprove === "true";
  const canChange = root.dataset.canChange === "true";
  const me = root.dataset.user;
  const statusLine = document.getElementById("live-status");
  const timeline = document.getElementById("timeline");
  const actionRows = document.getElementById("actions");
  const runState = document.getElementById("run-state");
  const steps = document.getElementById("steps");
  const diagnose = canChange ? document.getElementById("diagnose") : null;
  const diagnoseNote = document.getElementById("diagnose-note");
  const rendered = Number(root.dataset.lastSeq); // the timeline came with the page up to here
  let lastSeq = 0; // the last event handled: the panel starts empty, so the page replays from the start
  let retry = 500;
  let resyncing = null;
  let resyncAgain = false; // an event came while a resync was reading: read once more after it
  const notes = new Map(); // action id -> why the last decision was refused
  // run -> its open steps, oldest first ({ block, texts: delta role -> Text node }); deltas go to the newest.
  // A phase may ask the model several times before its steps are stored, so several can be open at once.
  const openSteps = new Map();
  const lastClosed = new Map(); // run -> the block of its last stored step
  const TOOL_PHASES = new Set(["act", "observe"]); // a tool's result: stored without a model request of its own
  const activeRuns = new Set(); // between run.started and run.finished
  const trajectories = new Map(); // run -> its trajectory, whose page holds each step's full prompt and output
  let queued = false; // a diagnosis asked for here that has not started yet
  let lastRunStart = 0; // seq of the latest run.started

  const csrf = () => (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";
  const setStatus = (text, state) => { statusLine.textContent = text; statusLine.dataset.state = state; };
  const cell = (row, text, tag = "td") => {
    const element = document.createElement(tag);
    element.textContent = text;
    row.appendChild(element);
    return element;
  };

  const touchesActions = (event) => event.type.startsWith("action.") || event.type === "incident.status_changed";

  function addEvent(event) {
    if (event.type !== "token.delta" && event.seq > rendered) addRow(event);
    const handle = reasoners.get(event.type);
    if (handle) handle(event.payload || {}, event);
    lastSeq = event.seq;
    updateDiagnose();
  }

  function addRow(event) {
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
  }

  // --- the Reasoning panel ----------------------------------------------------------------------------
  const setRunState = (text, state) => { runState.textContent = text; runState.dataset.state = state; };
  const make = (tag, className, text) => {
    const made = document.createElement(tag);
    made.className = className;
    made.textContent = text;
    return made;
  };

  function openStep(run, role, label) {
    const block = make("div", "step", "");
    block.dataset.run = run;
    block.dataset.role = role;
    const head = make("div", "step-head", "");
    head.append(make("span", "role", role), make("span", "label", label || ""));
    block.appendChild(head);
    steps.appendChild(block);
    const step = { block, texts: new Map() };
    if (!openSteps.has(run)) openSteps.set(run, []);
    openSteps.get(run).push(step);
    return step;
  }

  // A batched Probe's members speak as probe[0], probe[1]...: each keeps a text of its own in the step.
  function appendDelta({ run, role, text }) {
    const open = openSteps.get(run) || [];
    const step = open[open.length - 1] || openStep(run, String(role).replace(/\[\d+\]$/, ""), "");
    let target = step.texts.get(role);
    if (!target) {
      if (role !== step.block.dataset.role) step.block.appendChild(make("div", "text-role", role));
      const pre = make("pre", "text", "");
      pre.dataset.role = role;
      target = document.createTextNode("");
      pre.appendChild(target);
      step.block.appendChild(pre);
      step.texts.set(role, target);
    }
    target.appendData(String(text ?? ""));
  }

  // A stored step's whole prompt, output and tool result, read from the steps API when first opened.
  function stepDetail(trajectory, index) {
    const detail = make("details", "step-detail", "");
    detail.appendChild(make("summary", "", "prompt, output and tool result"));
    detail.addEventListener("toggle", async () => {
      if (!detail.open || detail.dataset.loaded) return;
      detail.dataset.loaded = "loading";
      const url = `/api/v1/trajectories/${encodeURIComponent(trajectory)}/steps/?since=${index - 1}&limit=1&full=true`;
      try {
        const answer = await fetch(url, { credentials: "same-origin" });
        if (!answer.ok) throw new Error(`HTTP ${answer.status}`);
        const [step] = (await answer.json()).steps;
        if (!step) throw new Error("no such step");
        for (const [title, text] of [["Prompt", step.prompt], ["Output", step.completion], ["Tool result", step.tool_result]]) {
          if (!text) continue;
          detail.append(make("h4", "", title), make("pre", `full-${title.toLowerCase().replace(" ", "-")}`, text));
        }
        detail.dataset.loaded = "true";
      } catch (error) {
        detail.appendChild(make("p", "error", `could not read the step: ${error.message}`));
        delete detail.dataset.loaded;
      }
    });
    return detail;
  }

  function closeStep({ run, index, role, phase, summary, error }) {
    // A stored model step closes the oldest open one; a tool's result gets a block of its own, placed after
    // the step stored before it.
    const open = openSteps.get(run) || [];
    let block;
    if (!TOOL_PHASES.has(phase) && open.length) {
      block = open.shift().block;
    } else {
      block = openStep(run, role, phase).block;
      openSteps.get(run).pop();
      const previous = lastClosed.get(run);
      if (previous && previous.isConnected) previous.after(block);
    }
    lastClosed.set(run, block);
    block.dataset.index = String(index);
    block.querySelector(".step-head").appendChild(make("span", "step-index", `step ${index}`));
    const trajectory = trajectories.get(run);
    if (trajectory) {
      const full = make("a", "step-full", "in the trajectory");
      full.href = `/trajectories/${encodeURIComponent(trajectory)}/#step-${Number(index)}`;
      block.querySelector(".step-head").appendChild(full);
      block.appendChild(stepDetail(trajectory, Number(index)));
    }
    if (summary) block.appendChild(make("div", "summary", summary));
    if (error) {
      block.classList.add("failed");
      block.appendChild(make("div", "error", `failed: ${error}`));
    }
  }

  // The evidence the Observer holds (its short-term memory), as stored with the run's last phase.
  const evidenceList = document.getElementById("evidence");
  let evidenceTimer = null;
  function refreshEvidence() {
    if (!evidenceList || evidenceTimer) return;
    evidenceTimer = setTimeout(async () => {
      evidenceTimer = null;
      const answer = await fetch(`/api/v1/incidents/${uuid}/runs/`, { credentials: "same-origin" });
      if (!answer.ok) return;
      const [latest] = await answer.json();
      if (!latest) return;
      evidenceList.replaceChildren(...(latest.evidence || []).map((item) => make("li", "", item)));
      evidenceList.dataset.count = String((latest.evidence || []).length);
    }, 300);
  }

  const diagnosisLine = document.getElementById("diagnosis");
  function showDiagnosis({ component, system_level: level, fault_type: fault }) {
    if (!diagnosisLine) return;
    diagnosisLine.textContent = `${component} · ${level} · ${fault}`;
    diagnosisLine.dataset.state = "diagnosed";
  }

  // The post-incident label: the root cause as people established it, which grades the agents later.
  const labelForm = document.getElementById("label-form");
  if (labelForm) {
    labelForm.addEventListener("submit", async (submitted) => {
      submitted.preventDefault();
      const note = document.getElementById("label-note");
      const body = Object.fromEntries(new FormData(labelForm).entries());
      const answer = await fetch(`/api/v1/incidents/${uuid}/label/`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
        body: JSON.stringify(body),
      });
      const result = await answer.json().catch(() => ({}));
      note.textContent = answer.ok ? "saved" : (result.detail || JSON.stringify(result));
      note.dataset.state = answer.ok ? "saved" : "error";
    });
  }

  function finished({ status, outcome, diagnosis }) {
    const found = diagnosis
      ? `diagnosis: component ${diagnosis.component}, level ${diagnosis.system_level}, fault ${diagnosis.fault_type}`
      : "no diagnosis";
    return `finished (${status}): ${outcome || "no outcome"}; ${found}`;
  }

  const reasoners = new Map([
    ["run.started", (p, event) => {
      activeRuns.add(p.run);
      if (p.trajectory) trajectories.set(p.run, p.trajectory);
      lastRunStart = event.seq;
      if (queued) { queued = false; setNote("", ""); }
      const by = p.started_by ? `, started by ${p.started_by}` : "";
      setRunState(`running: ${p.agent} on ${p.environment}${by}`, "running");
    }],
    ["run.resumed", (p) => {
      activeRuns.add(p.run);
      setRunState(`running: resumed after ${p.reason} (attempt ${p.attempt})`, "running");
    }],
    ["run.paused", (p) => setRunState(`awaiting approval of action ${p.action}: ${p.reason}`, "awaiting_approval")],
    ["run.finished", (p) => {
      activeRuns.delete(p.run);
      openSteps.delete(p.run);
      lastClosed.delete(p.run);
      queued = false;
      setRunState(finished(p), "finished");
    }],
    ["incident.diagnosed", (p) => showDiagnosis(p)],
    ["incident.status_changed", (p) => {
      const badge = document.getElementById("incident-status");
      if (!badge) return;
      badge.dataset.status = p.to;
      badge.textContent = p.to.replace(/_/g, " ");
    }],
    ["step.started", (p) => openStep(p.run, p.role, p.label)],
    ["token.delta", appendDelta],
    ["step.completed", (p) => { closeStep(p); refreshEvidence(); }],
  ]);

  // --- starting a diagnosis ---------------------------------------------------------------------------
  function setNote(text, state) {
    if (!diagnoseNote) return;
    diagnoseNote.textContent = text;
    diagnoseNote.dataset.state = state;
  }

  function updateDiagnose() {
    // Until the replay has caught up with the page, whether a run is active is not known yet.
    if (diagnose) diagnose.disabled = queued || activeRuns.size > 0 || lastSeq < rendered;
  }

  async function startDiagnosis() {
    const asked = lastSeq;
    diagnose.disabled = true;
    try {
      const answer = await fetch(`/api/v1/incidents/${uuid}/diagnose/`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
        body: "{}",
      });
      const result = await answer.json().catch(() => ({}));
      if (answer.ok) {
        queued = lastRunStart <= asked; // its run.started may have come over the stream before this answer
        setNote(queued ? "queued" : "", queued ? "queued" : "");
      } else {
        setNote(typeof result.detail === "string" ? result.detail : `could not start: HTTP ${answer.status}`, "error");
      }
    } catch (failure) {
      setNote(`could not start: ${failure.message}`, "error");
    }
    updateDiagnose();
  }

  // --- the stream and its repair ----------------------------------------------------------------------
  // Reads the log after lastSeq page by page (the API answers a bounded page); true when an event new to
  // this page changed what the actions table shows.
  async function readSince() {
    let touched = false;
    for (;;) {
      const answer = await fetch(`/api/v1/incidents/${uuid}/events/?since=${lastSeq}`, { credentials: "same-origin" });
      if (!answer.ok) throw new Error(`events: HTTP ${answer.status}`);
      const body = await answer.json();
      const fresh = body.events.filter((event) => event.seq > lastSeq);
      fresh.forEach(addEvent);
      touched = touched || fresh.some((event) => event.seq > rendered && touchesActions(event));
      if (!fresh.length || lastSeq >= body.last_seq) return touched;
    }
  }

  async function resync() {
    if (resyncing) {
      resyncAgain = true;
      return resyncing;
    }
    resyncing = (async () => {
      let touched = false;
      try {
        do {
          resyncAgain = false;
          touched = (await readSince()) || touched;
        } while (resyncAgain);
      } finally {
        resyncing = null;
      }
      if (touched) refreshActions();
    })();
    return resyncing;
  }

  function onEvent(event) {
    if (event.seq <= lastSeq) return;
    if (event.seq === lastSeq + 1 && !resyncing) {
      addEvent(event);
      if (touchesActions(event)) refreshActions();
    } else {
      resync();
    }
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

  // One card per action: the exact canonical command people approve (never the model's prose), what it
  // targets, its risk, why and what it should do, how it is checked, the hash an approval names, who decided
  // so far, the time left before it expires, and its result once it ran.
  const field = (list, term, value, className = "") => {
    const dt = make("dt", "", term);
    const dd = make("dd", className, value);
    list.append(dt, dd);
    return dd;
  };

  function countdown(element, expiresAt) {
    element.dataset.expiresAt = expiresAt;
    const left = Math.max(0, Math.round((Date.parse(expiresAt) - Date.now()) / 1000));
    element.textContent = left > 0 ? `${Math.floor(left / 60)} min ${left % 60} s left` : "expired";
  }

  function actionRow(action) {
    const card = make("article", "action-card", "");
    card.dataset.action = action.id;
    card.dataset.status = action.status;
    const c = action.command;
    const head = make("header", "", "");
    head.append(
      make("strong", "", c.verb),
      ` ${c.target.kind}/${c.target.name} in ${c.namespace} `,
      make("span", `badge risk-${action.risk_class}`, action.risk_class),
      " ",
      make("span", "badge status", action.status + (action.status_reason ? `: ${action.status_reason}` : "")),
    );
    card.appendChild(head);
    card.appendChild(make("pre", "command", JSON.stringify(c, null, 2)));
    const facts = make("dl", "facts", "");
    field(facts, "Target", `${c.target.kind} ${c.target.name}`);
    field(facts, "Namespace", c.namespace);
    field(facts, "Risk class", action.risk_class);
    field(facts, "Rationale", action.rationale, "rationale");
    field(facts, "Expected effect", action.expected_effect || "(not given)");
    field(facts, "Verification", action.verification_check || "(not given)", "verification");
    field(facts, "Hash", action.action_hash, "hash");
    const approvals = action.approvals.filter((a) => a.decision === "approve");
    const decisions = action.approvals.map((a) => `${a.user} ${a.decision}d${a.reason ? ` (${a.reason})` : ""}`);
    field(facts, "Approvals", `${approvals.length} of ${action.approvals_required}${decisions.length ? `: ${decisions.join("; ")}` : ""}`, "approvals");
    field(facts, "Requested by", action.requester_agent ? `${action.requester_user || "the platform"} (agent run)` : action.requester_user || "");
    if (action.status === "pending" || action.status === "approved") countdown(field(facts, "Expires", "", "expires"), action.expires_at);
    card.appendChild(facts);
    if (action.result && Object.keys(action.result).length) {
      card.appendChild(make("h3", "", "Result"));
      card.appendChild(make("pre", "result", action.result.output ?? JSON.stringify(action.result, null, 2)));
    }
    const decision = make("div", "decision", "");
    const mine = action.requester_user === me;
    const decided = action.approvals.some((a) => a.user === me);
    if (action.status === "pending" && canApprove && !mine && !decided) {
      const approve = make("button", "approve", "Approve");
      approve.type = "button";
      approve.addEventListener("click", () => decide(action, "approve", { action_hash: action.action_hash }));
      const reason = document.createElement("input");
      reason.placeholder = "reason to reject";
      reason.className = "reason";
      const reject = make("button", "reject", "Reject");
      reject.type = "button";
      reject.addEventListener("click", () => decide(action, "reject", { reason: reason.value }));
      decision.append(approve, " ", reason, " ", reject);
    } else if (action.status === "pending" && mine) {
      decision.textContent = "you requested it: another person decides";
    }
    const note = make("div", "decision-note", notes.get(action.id) || "");
    decision.appendChild(note);
    card.appendChild(decision);
    return card;
  }

  setInterval(() => {
    document.querySelectorAll("#actions .expires[data-expires-at]").forEach((e) => countdown(e, e.dataset.expiresAt));
  }, 1000);

  async function refreshActions() {
    const answer = await fetch(`/api/v1/incidents/${uuid}/actions/`, { credentials: "same-origin" });
    if (!answer.ok) return;
    const actions = await answer.json();
    actionRows.replaceChildren(...actions.map(actionRow));
  }

  if (diagnose) diagnose.onclick = startDiagnosis;
  updateDiagnose();
  refreshActions();
  if (rendered > 0) resync();
  connect();
})();
