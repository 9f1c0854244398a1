// Live progress of the learning loop's jobs. Each element with data-poll-url is a job (a training run,
// an evaluation, an Evolver run) whose JSON the page reads every two seconds while it is queued or running:
// the status badge, the counts and the progress bar follow it, and images marked data-refresh (the reward
// curves) are redrawn when the step count moves. When the job ends the page reloads once, to show what it
// produced. Nothing is polled once every job on the page has ended.
(function () {
  "use strict";
  const ACTIVE = new Set(["queued", "running"]);
  const PERIOD_MS = 2000;

  function update(element, job) {
    element.querySelectorAll("[data-field]").forEach(function (field) {
      const value = job[field.dataset.field];
      if (value === undefined || value === null) return;
      field.textContent = String(value);
      if (field.dataset.field === "status") field.className = "badge learn-" + value;
    });
    element.querySelectorAll("progress").forEach(function (bar) {
      bar.max = Math.max(1, job.progress_total || 0);
      bar.value = job.progress_done || 0;
    });
  }

  function redraw(step) {
    document.querySelectorAll("img[data-refresh]").forEach(function (image) {
      if (image.dataset.step === String(step)) return;
      image.dataset.step = String(step);
      const url = new URL(image.src, window.location.href);
      url.searchParams.set("step", String(step));
      image.src = url.toString();
    });
  }

  function watch(element) {
    let timer = null;
    async function tick() {
      try {
        const response = await fetch(element.dataset.pollUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
        if (!response.ok) return;
        const job = await response.json();
        update(element, job);
        redraw(job.progress_done);
        if (!ACTIVE.has(job.status)) {
          window.clearInterval(timer);
          if (ACTIVE.has(element.dataset.status)) window.location.reload();
        }
      } catch (error) {
        // A dropped request is retried at the next tick.
      }
    }
    timer = window.setInterval(tick, PERIOD_MS);
  }

  document.querySelectorAll("[data-poll-url]").forEach(function (element) {
    if (ACTIVE.has(element.dataset.status)) watch(element);
  });
})();
