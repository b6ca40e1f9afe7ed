// Print buttons and the print time in the footer (no inline scripts: the CSP allows 'self' only).
document.querySelectorAll(".print-button").forEach((b) => b.addEventListener("click", () => window.print()));
const stamp = document.querySelector(".print-time");
if (stamp) stamp.textContent = new Date().toLocaleString("zh-CN", { hour12: false, timeZone: "Asia/Shanghai" });
