// Suggestions as you type: asks /api/search (the same query as the results page) after a pause.
(function () {
  const input = document.getElementById("q");
  const list = document.getElementById("suggestions");
  if (!input || !list) return;
  let timer = null, seq = 0, active = -1;

  function hide() { list.hidden = true; list.innerHTML = ""; active = -1; }

  function show(results) {
    list.innerHTML = "";
    results.forEach((r) => {
      const li = document.createElement("li");
      li.setAttribute("role", "option");
      const a = document.createElement("a");
      a.href = r.url;
      const kind = document.createElement("span"); kind.className = "kind"; kind.textContent = r.label;
      const name = document.createElement("span"); name.className = "name"; name.textContent = r.name;
      const ctx = document.createElement("span"); ctx.className = "ctx"; ctx.textContent = r.context;
      a.append(kind, name, ctx);
      li.append(a);
      list.append(li);
    });
    list.hidden = results.length === 0;
    active = -1;
  }

  async function ask(q) {
    const mine = ++seq;
    try {
      const res = await fetch("/api/search?limit=8&q=" + encodeURIComponent(q), { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!res.ok || mine !== seq) return;
      const data = await res.json();
      if (mine === seq) show(data.results || []);
    } catch (e) { /* offline or logged out: no suggestions */ }
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (!q) { hide(); return; }
    timer = setTimeout(() => ask(q), 150);
  });
  input.addEventListener("keydown", (e) => {
    const items = list.querySelectorAll("li");
    if (list.hidden || !items.length) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      active = (active + (e.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
      items.forEach((li, i) => li.classList.toggle("active", i === active));
    } else if (e.key === "Enter" && active >= 0) {
      e.preventDefault();
      window.location = items[active].querySelector("a").href;
    } else if (e.key === "Escape") { hide(); }
  });
  document.addEventListener("click", (e) => { if (!list.contains(e.target) && e.target !== input) hide(); });
})();
