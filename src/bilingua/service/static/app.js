// The page talks to its own server only: GET /frontend/settings, POST /v1/process (streamed), /v1/documents.
"use strict";

const $ = (id) => document.getElementById(id);
let settings = { charLimit: 50000, keyRequired: false, lowConfidence: -1.5, supportedFilesFormat: [".txt", ".md"] };
// Files read into the text box; any other supported file is translated whole, in its own format.
const TEXT_FILES = [".txt", ".text"];
let translation = "";
// The direction: the server's /languages say which pairs it has (LibreTranslate's shape); fr to en first.
let pair = { source: "fr", target: "en" };
let names = { fr: "French", en: "English" };
let pairs = [["fr", "en"]];
const PLACEHOLDERS = {
  fr: "Collez ici un texte en français, ou déposez un fichier…",
  en: "Paste English text here, or drop a file…",
};

async function loadSettings() {
  try {
    const r = await fetch("/frontend/settings");
    if (r.ok) settings = await r.json();
  } catch (e) { /* the defaults stand */ }
  $("key-label").hidden = !settings.keyRequired;
  $("file").accept = settings.supportedFilesFormat.join(",");
  try {
    const r = await fetch("/languages");
    if (r.ok) {
      const languages = await r.json();
      names = Object.fromEntries(languages.map((l) => [l.code, l.name]));
      pairs = languages.flatMap((l) => l.targets.map((t) => [l.code, t]));
    }
  } catch (e) { /* French to English stands */ }
  showPair();
  updateCount();
}

const hasPair = (source, target) => pairs.some(([s, t]) => s === source && t === target);

// Every place the page names a language: labels, headings, lang attributes, the box's hint.
function showPair() {
  const [from, to] = [names[pair.source] || pair.source, names[pair.target] || pair.target];
  $("from-name").textContent = from;
  $("to-name").textContent = to;
  $("source-label").textContent = `${from} text`;
  $("source-head").textContent = from;
  $("target-head").textContent = to;
  $("tagline").textContent = `${from} documents in, ${to} out, sentence by sentence.`;
  document.title = `bilingua: ${from} to ${to}`;
  $("source").lang = pair.source;
  $("source").placeholder = PLACEHOLDERS[pair.source] || "";
  $("summary").lang = pair.target;
  $("swap").disabled = !hasPair(pair.target, pair.source);
}

// The other direction; a translation on the page becomes the text to translate back.
function swap() {
  if (!hasPair(pair.target, pair.source)) return;
  pair = { source: pair.target, target: pair.source };
  if (translation) {
    $("source").value = translation;
    translation = "";
    $("output").hidden = true;
    $("segments").tBodies[0].replaceChildren();
  }
  $("file-result").hidden = true;
  setStatus("");
  showPair();
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

function row(seg) {
  const tr = document.createElement("tr");
  if (seg.score < settings.lowConfidence) {
    tr.classList.add("low");
    tr.title = `Low confidence (${seg.score.toFixed(2)})`;
  }
  // The review's flags come with the whole Result (streamed sentences have none yet): each says why to check.
  if (seg.flags && seg.flags.length) {
    tr.classList.add("flagged");
    tr.dataset.flags = seg.flags.map((f) => f.kind).join(" ");
    tr.title = seg.flags.map((f) => f.message).join("\n");
  }
  const [source, target] = [cell(seg.source), cell(seg.translation)];
  source.lang = pair.source;
  target.lang = pair.target;
  tr.append(source, target);
  return tr;
}

// Sentences arrive as they are translated, in any order: each row goes to its place.
function showSentence(seg) {
  const body = $("segments").tBodies[0];
  const tr = row(seg);
  tr.dataset.index = seg.index;
  const after = [...body.rows].find((r) => Number(r.dataset.index) > seg.index);
  body.insertBefore(tr, after || null);
  $("output").hidden = false;
}

function render(result) {
  translation = result.translation;
  const body = $("segments").tBodies[0];
  body.replaceChildren();
  let paragraph = -1;
  result.segments.forEach((seg, index) => {
    const tr = row(seg);
    tr.dataset.index = index;
    if (seg.paragraph !== paragraph) tr.classList.add("paragraph-start");
    paragraph = seg.paragraph;
    body.append(tr);
  });
  $("summary-box").hidden = !result.summary;
  $("summary").textContent = result.summary || "";
  $("output").hidden = false;
}

// Server-Sent Events read from a fetch body (EventSource cannot POST): each complete event to onEvent.
async function readEvents(response, onEvent) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const kind = (block.match(/^event: (.*)$/m) || [])[1];
      const data = (block.match(/^data: (.*)$/m) || [])[1];
      if (kind && data) onEvent(kind, JSON.parse(data));
    }
  }
}

async function translate() {
  const text = $("source").value;
  if (!text.trim()) { setStatus(`Paste some ${names[pair.source] || pair.source} text first.`, true); return; }
  if (length(text) > settings.charLimit) {
    setStatus(`The text is ${plural(length(text), "character")}; this server takes at most ${settings.charLimit.toLocaleString()}.`, true);
    return;
  }
  $("translate").disabled = true;
  $("swap").disabled = true;  // the rows arriving are labelled with this direction
  setStatus("Translating…");
  const started = performance.now();
  try {
    const body = { text, summarize: $("want-summary").checked, stream: true, source: pair.source, target: pair.target };
    if (settings.keyRequired) body.api_key = $("api-key").value;
    const r = await fetch("/v1/process", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    if (!(r.headers.get("Content-Type") || "").includes("text/event-stream")) await answerOf(r);  // an error
    $("segments").tBodies[0].replaceChildren();
    $("summary-box").hidden = true;
    let count = 0;
    let failure = null;
    let data = null;
    await readEvents(r, (kind, event) => {
      if (kind === "sentence") {
        showSentence(event);
        count += 1;
        setStatus(`Translating… ${plural(count, "sentence")} so far.`);
      } else if (kind === "end") {
        data = event.result;  // the whole result: paragraphs, the translation's layout, the summary
      } else if (kind === "error") {
        failure = event.error;
      }
    });
    if (failure || !data) throw new Error(failure || "the answer ended early");
    render(data);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    setStatus(`${plural(data.segments.length, "sentence")} translated in ${seconds} s.`);
  } catch (e) {
    setStatus(`Translation failed: ${e.message}`, true);
  } finally {
    $("translate").disabled = false;
    showPair();
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
  const target = pair.target;  // the job's, whatever the page shows by the time it is done
  const form = new FormData();
  form.append("file", file);
  form.append("source", pair.source);
  form.append("target", target);
  if (settings.keyRequired) form.append("api_key", $("api-key").value);
  try {
    // A document job: sent now, its progress followed, its file fetched when done.
    const job = await answerOf(await fetch("/v1/documents", { method: "POST", body: form }));
    const key = settings.keyRequired ? `?api_key=${encodeURIComponent($("api-key").value)}` : "";
    const end = await followJob(job.id, key, file.name);
    if (end.status !== "done") throw new Error(end.error || end.status);
    const link = $("file-link");
    link.href = `/v1/documents/${job.id}/result${key}`;
    link.download = file.name.replace(/(\.[^.]*)?$/, (ext) => `.${target}${ext}`);
    link.textContent = `Download ${link.download}`;
    $("file-result").hidden = false;
    setStatus(`Translated ${file.name}.`);
  } catch (e) {
    setStatus(`Translating ${file.name} failed: ${e.message}`, true);
  }
}

// The job's progress as the server sends it (Server-Sent Events); resolves with its last status.
function followJob(id, key, name) {
  return new Promise((resolve) => {
    const events = new EventSource(`/v1/documents/${id}/events${key}`);
    let last = { status: "queued" };
    events.addEventListener("progress", (event) => {
      last = JSON.parse(event.data);
      const { done, total } = last.progress;
      if (last.status === "translating") setStatus(`Translating ${name}: ${done.toLocaleString()} of ${plural(total, "sentence")}…`);
    });
    events.addEventListener("end", () => { events.close(); resolve(last); });
    events.addEventListener("error", () => { events.close(); resolve(last); });
  });
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
  a.download = `translation.${pair.target}.txt`;
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
$("swap").addEventListener("click", swap);
$("copy").addEventListener("click", copy);
$("download").addEventListener("click", download);
loadSettings();
