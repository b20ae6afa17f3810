// The page talks to its own server only: GET /frontend/settings, POST /v1/process, POST /translate_file.
"use strict";

const $ = (id) => document.getElementById(id);
let settings = { charLimit: 50000, keyRequired: false, lowConfidence: -1.5, supportedFilesFormat: [".txt", ".md"] };
// Files read into the text box; any other supported file is translated whole, in its own format.
const TEXT_FILES = [".txt", ".text"];
let translation = "";

async function loadSettings() {
  try {
    const r = await fetch("/frontend/settings");
    if (r.ok) settings = await r.json();
  } catch (e) { /* the defaults stand */ }
  $("key-label").hidden = !settings.keyRequired;
  $("file").accept = settings.supportedFilesFormat.join(",");
  updateCount();
}

// Characters as the server counts them: code points (an emoji is one, not two UTF-16 units).
const length = (text) => [...text].length;

const plural = (n, word) => `${n.toLocaleString()} ${word}${n === 1 ? "" : "s"}`;

function updateCount() {
  const n = length($("source").value);
  $("count").textContent = `${n.toLocaleString()} / ${plural(settings.charLimit, "character")}`;
}

// A JSON answer's content, or an Error that says what came instead (a proxy's HTML error page, say).
async function answerOf(r) {
  const kind = r.headers.get("Content-Type") || "";
  if (!kind.includes("application/json")) {
    const text = (await r.text()).replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim().slice(0, 120);
    throw new Error(`the server answered HTTP ${r.status}${text ? ": " + text : ""}`);
  }
  const data = await r.json();
  if (!r.ok) throw new Error(data.error || `HTTP ${r.status}`);
  return data;
}

function setStatus(text, isError) {
  $("status").textContent = text;
  $("status").className = isError ? "error" : "";
}

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text;
  return td;
}

function render(result) {
  translation = result.translation;
  const body = $("segments").tBodies[0];
  body.replaceChildren();
  let paragraph = -1;
  for (const seg of result.segments) {
    const tr = document.createElement("tr");
    if (seg.paragraph !== paragraph) tr.classList.add("paragraph-start");
    paragraph = seg.paragraph;
    if (seg.score < settings.lowConfidence) {
      tr.classList.add("low");
      tr.title = `Low confidence (${seg.score.toFixed(2)})`;
    }
    const [fr, en] = [cell(seg.source), cell(seg.translation)];
    fr.lang = "fr";
    en.lang = "en";
    tr.append(fr, en);
    body.append(tr);
  }
  $("summary-box").hidden = !result.summary;
  $("summary").textContent = result.summary || "";
  $("output").hidden = false;
}

async function translate() {
  const text = $("source").value;
  if (!text.trim()) { setStatus("Paste some French text first.", true); return; }
  if (length(text) > settings.charLimit) {
    setStatus(`The text is ${plural(length(text), "character")}; this server takes at most ${settings.charLimit.toLocaleString()}.`, true);
    return;
  }
  $("translate").disabled = true;
  setStatus("Translating…");
  const started = performance.now();
  try {
    const body = { text, summarize: $("want-summary").checked };
    if (settings.keyRequired) body.api_key = $("api-key").value;
    const r = await fetch("/v1/process", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    const data = await answerOf(r);
    render(data);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    setStatus(`${plural(data.segments.length, "sentence")} translated in ${seconds} s.`);
  } catch (e) {
    setStatus(`Translation failed: ${e.message}`, true);
  } finally {
    $("translate").disabled = false;
  }
}

async function readFile(event) {
  const file = event.target.files[0];
  if (file) await takeFile(file);
}

async function takeFile(file) {
  const extension = file.name.includes(".") ? file.name.slice(file.name.lastIndexOf(".")).toLowerCase() : "";
  $("file-result").hidden = true;
  if (TEXT_FILES.includes(extension)) {
    $("source").value = await file.text();
    updateCount();
    setStatus(`Loaded ${file.name}.`);
    return;
  }
  if (!settings.supportedFilesFormat.includes(extension)) {
    setStatus(`${file.name}: this server translates ${settings.supportedFilesFormat.join(", ")} files.`, true);
    return;
  }
  setStatus(`Translating ${file.name}…`);
  const form = new FormData();
  form.append("file", file);
  form.append("source", "fr");
  form.append("target", "en");
  if (settings.keyRequired) form.append("api_key", $("api-key").value);
  try {
    const data = await answerOf(await fetch("/translate_file", { method: "POST", body: form }));
    const link = $("file-link");
    link.href = new URL(data.translatedFileUrl).pathname;
    link.download = decodeURIComponent(link.href.split("/").pop()).replace(/^[0-9a-f]{32}\./, "");
    link.textContent = `Download ${link.download}`;
    $("file-result").hidden = false;
    setStatus(`Translated ${file.name}.`);
  } catch (e) {
    setStatus(`Translating ${file.name} failed: ${e.message}`, true);
  }
}

function dropped(event) {
  event.preventDefault();
  const file = event.dataTransfer && event.dataTransfer.files[0];
  if (file) takeFile(file);
}

async function copy() {
  try {
    await navigator.clipboard.writeText(translation);
    $("copied").textContent = "Copied.";
  } catch (e) {
    $("copied").textContent = "Copying is not allowed here; use Download.";
  }
}

function download() {
  const url = URL.createObjectURL(new Blob([translation], { type: "text/plain;charset=utf-8" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = "translation.en.txt";
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

$("source").addEventListener("input", updateCount);
$("file").addEventListener("change", readFile);
// A file dropped anywhere on the page (the text box included: its drop bubbles up here).
document.body.addEventListener("dragover", (event) => event.preventDefault());
document.body.addEventListener("drop", dropped);
$("translate").addEventListener("click", translate);
$("copy").addEventListener("click", copy);
$("download").addEventListener("click", download);
loadSettings();
