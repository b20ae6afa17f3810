// The page talks to its own server only: GET /frontend/settings, POST /v1/process.
"use strict";

const $ = (id) => document.getElementById(id);
let settings = { charLimit: 50000, keyRequired: false, lowConfidence: -1.5 };
let translation = "";

async function loadSettings() {
  try {
    const r = await fetch("/frontend/settings");
    if (r.ok) settings = await r.json();
  } catch (e) { /* the defaults stand */ }
  $("key-label").hidden = !settings.keyRequired;
  updateCount();
}

function updateCount() {
  const n = $("source").value.length;
  $("count").textContent = `${n.toLocaleString()} / ${settings.charLimit.toLocaleString()} characters`;
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
    tr.append(cell(seg.source), cell(seg.translation));
    body.append(tr);
  }
  $("summary-box").hidden = !result.summary;
  $("summary").textContent = result.summary || "";
  $("output").hidden = false;
}

async function translate() {
  const text = $("source").value;
  if (!text.trim()) { setStatus("Paste some French text first.", true); return; }
  if (text.length > settings.charLimit) {
    setStatus(`The text is ${text.length} characters; this server takes at most ${settings.charLimit}.`, true);
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
    const data = await r.json();
    if (!r.ok) throw new Error(data.error || `HTTP ${r.status}`);
    render(data);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    setStatus(`${data.segments.length} sentences translated in ${seconds} s.`);
  } catch (e) {
    setStatus(`Translation failed: ${e.message}`, true);
  } finally {
    $("translate").disabled = false;
  }
}

async function readFile(event) {
  const file = event.target.files[0];
  if (!file) return;
  $("source").value = await file.text();
  updateCount();
  setStatus(`Loaded ${file.name}.`);
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
$("translate").addEventListener("click", translate);
$("copy").addEventListener("click", copy);
$("download").addEventListener("click", download);
loadSettings();
