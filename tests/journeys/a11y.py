"""Accessibility checks run on every screen of every journey (issue 17, "what to build" 3).

On every page:
- ``<html lang>`` is set;
- every visible input / select / textarea has an accessible name: ``label[for=id]``, a wrapping
  ``<label>``, ``aria-label`` or ``aria-labelledby`` (pointing at elements with text).

On phone pages (a viewport ≤ 480 px wide) also:
- no horizontal scroll: ``document.documentElement.scrollWidth`` ≤ the viewport width (390);
- tap targets are at least 44 × 44 CSS px. Targets are the visible links, buttons, inputs,
  selects, textareas, ``<summary>`` and ``[role=button]`` elements. A checkbox, radio or file
  input counts with its label (tapping the label is tapping the input), so the larger of the two
  boxes is measured. Left out, by rule:
    * links *inside running text* (WCAG 2.5.8's inline exception): a link displayed inline whose
      block (nearest block/list-item/table-cell ancestor) also holds at least 6 letters or digits
      of text that is not inside a link or button — a link in a sentence. A row of links
      separated by "·" or "|" is not running text and is checked;
    * a map's drawing surface (Leaflet markers and shapes): the map itself is the target; its
      controls (zoom buttons) are checked;
    * disabled controls, and controls hidden from everyone (``hidden``, ``display:none``,
      ``visibility:hidden``, ``aria-hidden`` or ``inert`` ancestors).
"""

from __future__ import annotations

MIN_TARGET = 44

_SCRIPT = r"""
([minTarget, width]) => {
  // The screen's width comes from the test (the viewport): a page wider than a phone's screen makes
  // mobile chromium zoom out, and window.innerWidth then reports the page's width, not the screen's.
  const problems = [];
  const phone = width <= 480;
  const lang = (document.documentElement.getAttribute("lang") || "").trim();
  if (!lang) problems.push("<html> has no lang attribute");

  const describe = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += "#" + el.id;
    else if (el.getAttribute("name")) s += `[name="${el.getAttribute("name")}"]`;
    else if (el.classList.length) s += "." + Array.from(el.classList).slice(0, 2).join(".");
    const text = (el.innerText || el.value || el.getAttribute("aria-label") || "").trim().replace(/\s+/g, " ").slice(0, 24);
    if (text && !["input", "select", "textarea"].includes(el.tagName.toLowerCase())) s += ` “${text}”`;
    return s;
  };
  const hiddenFromAll = (el) => {
    if (el.closest("[hidden], [aria-hidden=true], [inert]")) return true;
    if (!el.getClientRects().length) return true;  // display:none (itself or an ancestor), or not rendered
    const style = getComputedStyle(el);
    return style.visibility === "hidden" || style.visibility === "collapse";
  };
  const textOf = (ids) => ids.split(/\s+/).map((id) => document.getElementById(id)).filter(Boolean)
    .map((el) => (el.textContent || el.getAttribute("aria-label") || "").trim()).join("");
  const labelsOf = (el) => {
    const out = [];
    if (el.id) document.querySelectorAll("label[for]").forEach((l) => { if (l.htmlFor === el.id) out.push(l); });
    const wrap = el.closest("label");
    if (wrap) out.push(wrap);
    return out;
  };

  // 1. Every visible input has an accessible label.
  const fields = document.querySelectorAll("input, select, textarea");
  for (const el of fields) {
    const type = (el.getAttribute("type") || "").toLowerCase();
    if (el.tagName === "INPUT" && ["hidden", "submit", "button", "reset", "image"].includes(type)) continue;
    if (hiddenFromAll(el)) continue;
    const aria = (el.getAttribute("aria-label") || "").trim();
    const by = el.getAttribute("aria-labelledby");
    const named = aria || (by && textOf(by)) || labelsOf(el).some((l) => (l.textContent || "").trim() || l.querySelector("img[alt]:not([alt=''])"));
    if (!named) problems.push(`unlabelled field: ${describe(el)}`);
  }
  if (!phone) return problems;

  // 2. No horizontal scroll on the phone.
  const scrollWidth = document.documentElement.scrollWidth;
  if (scrollWidth > width) problems.push(`horizontal scroll: the page is ${scrollWidth} px wide on a ${width} px screen`);

  // 3. Tap targets of at least minTarget × minTarget px.
  const blockOf = (el) => {
    let node = el.parentElement;
    while (node && node !== document.body) {
      const d = getComputedStyle(node).display;
      if (!d.startsWith("inline") && d !== "contents") return node;
      node = node.parentElement;
    }
    return document.body;
  };
  const runningText = (link) => {
    if (getComputedStyle(link).display !== "inline") return false;
    const block = blockOf(link);
    const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    let letters = 0;
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement.closest("a, button, label, select, option, script, style")) continue;
      letters += ((node.textContent || "").match(/[\p{L}\p{N}]/gu) || []).length;
      if (letters >= 6) return true;
    }
    return false;
  };
  const targets = document.querySelectorAll("a[href], button, input, select, textarea, summary, [role=button]");
  const small = new Map();
  for (const el of targets) {
    if (el.tagName === "INPUT" && (el.type || "").toLowerCase() === "hidden") continue;
    if (el.disabled || hiddenFromAll(el)) continue;
    if (el.closest(".leaflet-marker-pane, .leaflet-overlay-pane, .leaflet-shadow-pane")) continue;
    if (el.tagName === "A" && runningText(el)) continue;
    let box = el.getBoundingClientRect();
    let width = box.width, height = box.height;
    if (el.tagName === "INPUT" && ["checkbox", "radio", "file"].includes((el.type || "").toLowerCase())) {
      for (const label of labelsOf(el)) {
        const lb = label.getBoundingClientRect();
        width = Math.max(width, lb.width); height = Math.max(height, lb.height);
      }
    }
    if (width + 0.5 < minTarget || height + 0.5 < minTarget) {
      const what = `${describe(el)} is ${Math.round(width)}×${Math.round(height)} px`;
      small.set(what, (small.get(what) || 0) + 1);
    }
  }
  for (const [what, n] of small) problems.push(`small tap target: ${what}${n > 1 ? ` (×${n})` : ""}`);
  return problems;
}
"""

# Problems found on pages other helpers own that cannot be fixed locally yet: each entry is a
# prefix of the problem text and the reason it is tolerated. Printed under the journey table.
KNOWN: dict[str, str] = {}


def check(page) -> list[str]:
    return page.evaluate(_SCRIPT, [MIN_TARGET, page.viewport_size["width"]])


def is_known(problem: str) -> bool:
    return any(problem.startswith(prefix) for prefix in KNOWN)
