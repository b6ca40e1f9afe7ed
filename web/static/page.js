// Print buttons and the print time in the footer (no inline scripts: the CSP allows 'self' only).
document.querySelectorAll(".print-button").forEach((b) => b.addEventListener("click", () => window.print()));
const stamp = document.querySelector(".print-time");
if (stamp) stamp.textContent = new Date().toLocaleString("zh-CN", { hour12: false, timeZone: "Asia/Shanghai" });

// A wide diagram fits the page; this button shows it at its own size (scroll to read).
document.querySelectorAll(".diagram-toggle").forEach((button) => button.addEventListener("click", () => {
  const svg = button.closest("figure").querySelector("svg");
  const natural = !svg.style.width;
  svg.style.width = natural ? svg.getAttribute("width") : "";
  svg.style.height = natural ? svg.getAttribute("height") : "";
  button.textContent = natural ? "适应宽度" : "原始大小";
}));
