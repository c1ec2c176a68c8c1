/* The proof-of-work check of the anonymous forms (portal/challenge.py; ALTCHA's scheme).

   The server put "salt:challenge:signature" in the hidden "challenge" field; the salt ends with the largest
   number to try. Find the number n with SHA-256(salt + n) == challenge and put it in "challenge_number".

   - Started when the visitor first touches the form (readers of a forum topic who never reply spend
     nothing), or when the form is sent: then sending waits for the answer and goes on by itself.
   - SHA-256 in plain JavaScript: crypto.subtle exists only on HTTPS and localhost pages, and one
     synchronous hash per try is faster than an awaited one. Work is done in slices so the page stays
     responsive.
   - Without this file the form says (in its <noscript>) that it needs JavaScript. */
(function () {
  "use strict";

  // The page's words for what this script writes (templates/base.html, #interface-words); English otherwise.
  var words = {};
  var holder = document.getElementById("interface-words");
  try { words = JSON.parse((holder && holder.getAttribute("data-words")) || "{}"); } catch (e) {}
  function t(text) { return words[text] || text; }

  var K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
  ]);
  var W = new Uint32Array(64);
  var H = new Uint32Array(8);
  var words = new Uint32Array(64); // the padded message: up to four blocks, reused by every try

  function rotr(x, n) {
    return (x >>> n) | (x << (32 - n));
  }

  // SHA-256 of an ASCII string (the salt and a number are), as eight 32-bit words (in H, reused).
  function sha256(text) {
    var length = text.length;
    var blocks = (length + 9 + 63) >> 6;
    if (blocks > 4) {
      words = new Uint32Array(blocks * 16);
    }
    words.fill(0, 0, blocks * 16);
    var i;
    for (i = 0; i < length; i++) {
      words[i >> 2] |= (text.charCodeAt(i) & 0xff) << (24 - (i & 3) * 8);
    }
    words[length >> 2] |= 0x80 << (24 - (length & 3) * 8);
    words[blocks * 16 - 1] = length * 8;
    var h = H;
    h[0] = 0x6a09e667; h[1] = 0xbb67ae85; h[2] = 0x3c6ef372; h[3] = 0xa54ff53a;
    h[4] = 0x510e527f; h[5] = 0x9b05688c; h[6] = 0x1f83d9ab; h[7] = 0x5be0cd19;
    for (var block = 0; block < blocks * 16; block += 16) {
      var t;
      for (t = 0; t < 16; t++) {
        W[t] = words[block + t];
      }
      for (t = 16; t < 64; t++) {
        var x = W[t - 15];
        var y = W[t - 2];
        W[t] = (W[t - 16] + (rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3)) + W[t - 7] +
                (rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10))) | 0;
      }
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
      for (t = 0; t < 64; t++) {
        var t1 = (k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + W[t]) | 0;
        var t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        k = g;
        g = f;
        f = e;
        e = (d + t1) | 0;
        d = c;
        c = b;
        b = a;
        a = (t1 + t2) | 0;
      }
      h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0;
      h[4] = (h[4] + e) | 0; h[5] = (h[5] + f) | 0; h[6] = (h[6] + g) | 0; h[7] = (h[7] + k) | 0;
    }
    return h;
  }

  function matches(digest, target) {
    for (var i = 0; i < 8; i++) {
      if (digest[i] !== target[i]) {
        return false;
      }
    }
    return true;
  }

  var SLICE = 4000; // tries between two breaths of the page

  function attach(widget) {
    var form = widget.closest("form");
    var token = widget.querySelector('input[name="challenge"]');
    var answer = widget.querySelector('input[name="challenge_number"]');
    var status = widget.querySelector("[data-challenge-status]");
    if (form && token && !token.value && form.querySelector("input[data-form-token]")) {
      // A shared page: form-token.js fetches the challenge when the visitor starts; begin then.
      form.addEventListener("portico:form-token", function () {
        if (token.value && attach(widget)) {
          form.dispatchEvent(new Event("focusin"));
        }
      }, {once: true});
      return false;
    }
    var parts = token ? token.value.split(":") : [];
    if (!form || !answer || parts.length !== 3) {
      return false;
    }
    var salt = parts[0];
    var target = new Uint32Array(8);
    for (var i = 0; i < 8; i++) {
      target[i] = parseInt(parts[1].substr(i * 8, 8), 16);
    }
    var max = parseInt(salt.split(".")[2], 10) || 0;
    var next = 0;
    var state = "idle"; // idle, working, solved, failed
    var sendWhenSolved = false;

    function say(text) {
      if (status) {
        status.textContent = text;
      }
    }

    function send() {
      if (form.requestSubmit) {
        form.requestSubmit();
      } else {
        form.submit();
      }
    }

    function work() {
      var stop = Math.min(next + SLICE, max + 1);
      for (; next < stop; next++) {
        if (matches(sha256(salt + next), target)) {
          answer.value = String(next);
          state = "solved";
          say(t("Checked: your browser showed that a person is sending this form."));
          if (sendWhenSolved) {
            send();
          }
          return;
        }
      }
      if (next > max) {
        state = "failed";
        say(t("Your browser could not finish the check. Please load the page again."));
        return;
      }
      window.setTimeout(work, 0);
    }

    function start() {
      if (state === "idle") {
        state = "working";
        say(t("Your browser is checking that a person is sending this form…"));
        work();
      }
    }

    form.addEventListener("focusin", start);
    form.addEventListener("submit", function (event) {
      if (state === "solved" || state === "failed") {
        return; // failed: the server answers with a new challenge
      }
      event.preventDefault();
      sendWhenSolved = true;
      say(t("One moment: the form is sent as soon as your browser has finished its check."));
      start();
    });
    return true;
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-challenge]"), function (widget) {
    if (!widget.hasAttribute("data-challenge-ready")) {
      widget.setAttribute("data-challenge-ready", "");
      attach(widget);
    }
  });
}());
