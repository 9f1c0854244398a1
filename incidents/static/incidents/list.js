// The incidents list, live: /ws/incidents/ says which incident of the person's teams was opened, changed
// status or got a diagnosis; the page then refetches its rows (same filters, same page) from the server,
// which checks permissions again. A reconnect refetches too, so a change missed while away still shows.
(() => {
  "use strict";
  const list = document.getElementById("incident-list");
  const statusLine = document.getElementById("list-status");
  if (!list || !statusLine) return;
  const rowsUrl = list.dataset.rowsUrl;
  let retry = 500;
  let pending = null;
  let fetching = false;
  let again = false;

  const setStatus = (text, state) => { statusLine.textContent = text; statusLine.dataset.state = state; };

  async function refresh() {
    if (fetching) { again = true; return; }
    fetching = true;
    try {
      const answer = await fetch(rowsUrl, { credentials: "same-origin", headers: { Accept: "text/html" } });
      if (!answer.ok) throw new Error(`rows: HTTP ${answer.status}`);
      const fragment = new DOMParser().parseFromString(await answer.text(), "text/html");
      list.replaceChildren(...[...fragment.body.childNodes].map((node) => document.importNode(node, true)));
      list.dataset.refreshed = String(Number(list.dataset.refreshed || 0) + 1);
    } catch (error) {
      setStatus(`Could not refresh the list (${error.message}); reload the page.`, "error");
    } finally {
      fetching = false;
      if (again) { again = false; refresh(); }
    }
  }

  // Changes often come in bursts (an alert opens several incidents): one refetch per burst.
  function soon() {
    if (pending) return;
    pending = setTimeout(() => { pending = null; refresh(); }, 250);
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/ws/incidents/`);
    let opened = false;
    socket.onmessage = (message) => {
      const data = JSON.parse(message.data);
      if (data.type === "hello") {
        if (opened) return;
        opened = true;
        retry = 500;
        setStatus("Live: new incidents and status changes appear as they happen.", "live");
        if (list.dataset.connected) soon(); // a reconnect: catch up on what happened meanwhile
        list.dataset.connected = "true";
      } else if (data.type === "changed") {
        soon();
      }
    };
    socket.onclose = (event) => {
      if (event.code === 4401 || event.code === 4403) {
        setStatus("Live updates stopped: sign in again to resume them.", "closed");
        return;
      }
      setStatus("Reconnecting to live updates…", "reconnecting");
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 15000);
    };
  }

  connect();
})();
