/* loader.js - inlined into each page: the app (stylesheet, a \x01 byte,
 * then the scripts) is stored gzip-compressed and base64-encoded in the
 * pyi-app element; this inflates it and starts it. */
(function () {
  var msg = document.getElementById('msg');
  if (typeof DecompressionStream === 'undefined') {
    msg.textContent = 'This page needs a browser with DecompressionStream (Chrome 80, Firefox 113, Safari 16.4 or newer).';
    return;
  }
  var b = atob(document.getElementById('pyi-app').textContent), u = new Uint8Array(b.length);
  for (var i = 0; i < b.length; i++) u[i] = b.charCodeAt(i);
  new Response(new Blob([u]).stream().pipeThrough(new DecompressionStream('gzip'))).text().then(function (t) {
    var k = t.indexOf('\x01'), st = document.createElement('style'), s = document.createElement('script');
    st.textContent = t.slice(0, k);
    document.head.appendChild(st);
    s.textContent = t.slice(k + 1);
    document.body.appendChild(s);
  }, function (e) { msg.textContent = 'Cannot start the page: ' + e.message; });
})();
