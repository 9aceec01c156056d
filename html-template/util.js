/* util.js - helpers shared by the report and the diff page: elements that
 * receive names only as text, time formats, search marks, saved settings
 * and the embedded data. embed.sh joins a page's scripts into one
 * function, so what is declared here is visible to the scripts after it. */

var doc = document, $ = function (id) { return doc.getElementById(id); };

function el(tag, cls, text, parent) {
  var e = doc.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}

// FNV-1a: a stable number for a string (colours, keys)
function hash(s) {
  var h = 2166136261;
  for (var k = 0; k < s.length; k++) h = Math.imul(h ^ s.charCodeAt(k), 16777619);
  return h >>> 0;
}

function fmtSec(t) {
  var a = Math.abs(t), s = t < 0 ? '-' : '';
  if (!a) return '0 s';
  if (a >= 10) return s + a.toFixed(1) + ' s';
  if (a >= 1) return s + a.toFixed(2) + ' s';
  if (a >= 0.001) return s + (a * 1000).toPrecision(3) + ' ms';
  return s + (a * 1e6).toPrecision(3) + ' \u00b5s';
}

// Appends 'text' to 'parent', marking occurrences of 'q' (lower case).
function hl(parent, text, q) {
  var lo = text.toLowerCase(), at = 0, i;
  if (q) {
    while ((i = lo.indexOf(q, at)) >= 0) {
      parent.appendChild(doc.createTextNode(text.slice(at, i)));
      el('mark', null, text.slice(i, i + q.length), parent);
      at = i + q.length;
    }
  }
  parent.appendChild(doc.createTextNode(text.slice(at)));
}

function cssVar(name) {
  return getComputedStyle(doc.documentElement).getPropertyValue(name).trim();
}

// Saved settings: storage can be missing or full (private windows, some
// file:// pages); the page then simply starts from its defaults.
function loadSaved(key) {
  try { return JSON.parse(localStorage.getItem(key)); } catch (e) { return null; }
}

function save(key, v) {
  try {
    if (v == null) localStorage.removeItem(key); else localStorage.setItem(key, JSON.stringify(v));
  } catch (e) { /* see loadSaved */ }
}

// The page's data: JSON, deflated (zlib) and base64-encoded by libsession.
async function inflate(b64) {
  var bin = atob(b64.replace(/\s+/g, '')), bytes = new Uint8Array(bin.length);
  for (var k = 0; k < bin.length; k++) bytes[k] = bin.charCodeAt(k);
  var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate'));
  return JSON.parse(await new Response(stream).text());
}

// A regular expression typed by the user, or null when empty; a bad one
// marks its input and counts as empty.
function userRegex(input, src) {
  var re = null;
  input.classList.remove('bad');
  input.title = input.dataset.title || '';
  if (src) {
    try { re = new RegExp(src); } catch (e) {
      input.classList.add('bad');
      input.title = e.message;
    }
  }
  return re;
}
