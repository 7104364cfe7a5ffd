/*
 * Balagh Raqmi web chat widget — مساعد «بلاغ رقمي».
 *
 * Embed it in any page with one tag (it needs nothing else, and no build step):
 *   <script src="http://HOST:5005/webchat/widget.js" defer></script>
 * Optional attributes on that tag:
 *   data-lang="ar|en"   language before the conversation says (default: the page's lang, else ar)
 *   data-open="true"    open the chat panel on the first visit
 *   data-endpoint="…"   base URL of the channel (default: /webhooks/webchat/ on the script's host)
 *
 * It talks to bot/channels/webchat.py: POST webhook (messages and files), GET history (the
 * conversation after a reload), GET inbox (the back office's notifications about the
 * reporter's reports: asked right after the history, then every 15 seconds while the page is
 * visible and at once when it becomes visible again; on errors it waits longer each time, up
 * to 5 minutes). A notification is shown as a message of the assistant marked «إشعار» /
 * "Notification"; with the panel closed, the launcher shows a dot and says so.
 * The session id the server issues is kept in localStorage.
 * Bot text is always inserted as text (textContent), never as HTML. Left-to-right runs inside
 * Arabic text (references, dates, phone numbers, and what the assistant wraps in Unicode
 * isolates U+2066…U+2069) are shown in <bdi dir="ltr"> so they render intact.
 */
(function () {
  "use strict";
  if (window.BalaghWebchat) return; // the tag is on the page twice

  // Same limits as bot/intake/attachments.py (tests/channels/test_webchat.py checks them).
  var MAX_FILE_BYTES = 10485760;
  var MAX_FILES = 5;
  var ACCEPTED_TYPES = ["image/png", "image/jpeg", "image/webp", "application/pdf"];
  var ACCEPTED_EXTENSIONS = [".png", ".jpg", ".jpeg", ".webp", ".pdf"];
  var STORAGE = "balagh-webchat:";
  var POLL_MS = 15000; // the inbox, while the page is visible
  var AGENT_POLL_MS = 3000; // the inbox, while a call-centre agent is in the chat
  var LEAVE_AGENT = "/handoff_leave"; // the button that ends a chat with an agent
  var MAX_POLL_MS = 300000; // the longest wait after failures

  // The texts: bot/texts/catalogue.yml's webchat.* entries, put here by the server that
  // serves this file (bot/channels/webchat.py); below, what is not a translation.
  var CATALOGUE = {}; // widget texts
  var TEXT = {
    ar: {
      other: "English",
      otherLang: "en",
      otherLabel: "Continue in English",
      switchPayload: '/switch_language{"target_language": "en"}',
      units: ["بايت", "ك.ب", "م.ب"],
    },
    en: {
      other: "العربية",
      otherLang: "ar",
      otherLabel: "أكمل بالعربية",
      switchPayload: '/switch_language{"target_language": "ar"}',
      units: ["B", "KB", "MB"],
    },
  };
  Object.keys(TEXT).forEach(function (language) {
    var texts = CATALOGUE[language] || {};
    Object.keys(texts).forEach(function (key) { TEXT[language][key] = texts[key]; });
  });

  // Unicode isolates the domain's Arabic texts put around left-to-right runs.
  var ISOLATED = /[\u2066\u2067\u2068]([^\u2066-\u2069]*)\u2069/g;
  // Left-to-right tokens that may also come unwrapped: report references, ISO dates,
  // phone numbers, e-mail addresses and web addresses.
  var LTR_TOKEN = /(BR-[0-9A-Za-z]{8}|\d{4}-\d{2}-\d{2}|\+?\d[\d\- ]{4,}\d|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|https?:\/\/\S+|[A-Za-z]+(?:\.[A-Za-z]+)+)/g;
  var ARABIC = /[\u0600-\u06FF]/;
  var SVG = "http://www.w3.org/2000/svg";
  var ICONS = {
    chat: "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z",
    close: "M6 6l12 12M18 6L6 18",
    attach: "M21 11.5l-8.6 8.6a5.5 5.5 0 0 1-7.8-7.8l8.6-8.6a3.7 3.7 0 0 1 5.2 5.2l-8.6 8.6a1.8 1.8 0 0 1-2.6-2.6l7.9-7.9",
    send: "M3 20l18-8L3 4v6l12 2-12 2z",
  };

  var script = document.currentScript || findScript();
  var scriptUrl = new URL(script ? script.src : "widget.js", document.baseURI);
  var config = script ? script.dataset : {};
  var endpoint = new URL(config.endpoint || "../webhooks/webchat/", scriptUrl).href;
  if (endpoint.slice(-1) !== "/") endpoint += "/";

  function findScript() {
    var scripts = document.getElementsByTagName("script");
    for (var i = scripts.length - 1; i >= 0; i--) {
      if (/\/widget\.js(\?|#|$)/.test(scripts[i].src)) return scripts[i];
    }
    return null;
  }

  function stored(key) {
    try { return window.localStorage.getItem(STORAGE + key); } catch (e) { return null; }
  }

  function store(key, value) {
    try {
      if (value === null) window.localStorage.removeItem(STORAGE + key);
      else window.localStorage.setItem(STORAGE + key, value);
    } catch (e) { /* storage blocked: the conversation lasts as long as the page */ }
  }

  function pageLanguage() {
    var lang = (config.lang || document.documentElement.lang || "").toLowerCase();
    return lang.indexOf("en") === 0 ? "en" : "ar";
  }

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return String(values[key]); });
  }

  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      var value = attributes[name];
      if (value === null || value === undefined || value === false) return;
      if (name === "text") node.textContent = value;
      else if (name === "className") node.className = value;
      else node.setAttribute(name, value === true ? "" : value);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function icon(path) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var line = document.createElementNS(SVG, "path");
    line.setAttribute("d", path);
    svg.appendChild(line);
    return svg;
  }

  var state = {
    sender: stored("sender"),
    language: stored("language") || pageLanguage(),
    busy: false,
    files: [], // {file, url}
    notices: {}, // ids of the notifications shown
    unseen: false, // a notification came while the panel was closed
  };
  var inbox = { timer: null, delay: POLL_MS, busy: false, stopped: false };

  // ---- the DOM: a host element with an open shadow root keeps the page's styles out ----
  var host = el("div", { id: "balagh-webchat" });
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  var pageDir = getComputedStyle(document.documentElement).direction === "rtl" ? "rtl" : "ltr";
  var css = el("link", { rel: "stylesheet", href: new URL("widget.css", scriptUrl).href });
  var launcher = el("button", {
    type: "button", className: "launcher", "aria-expanded": "false", "aria-controls": "bw-panel",
  });
  launcher.appendChild(icon(ICONS.chat));
  var badge = el("span", { className: "badge", "aria-hidden": "true", hidden: true });
  launcher.appendChild(badge);
  var title = el("h2", { id: "bw-title", className: "title" });
  var subtitle = el("p", { className: "subtitle" });
  var switchButton = el("button", { type: "button", className: "switch" });
  var closeButton = el("button", { type: "button", className: "close" });
  closeButton.appendChild(icon(ICONS.close));
  var log = el("div", {
    className: "log", role: "log", "aria-live": "polite", "aria-busy": "false", tabindex: "0",
  });
  // the dots are for the eyes; a live region, always there, says it in words
  var typing = el("div", { className: "typing", "aria-hidden": "true" });
  var status = el("div", { className: "sr-only", role: "status", "aria-live": "polite" });
  var alertBox = el("div", { className: "alert", role: "alert" });
  // says a notification that came while the panel was closed (the log is hidden then)
  var announcer = el("div", { className: "sr-only", "aria-live": "polite" });
  var previews = el("ul", { className: "previews", hidden: true });
  var fileInput = el("input", {
    type: "file", className: "file-input", multiple: true, tabindex: "-1", "aria-hidden": "true",
    accept: ACCEPTED_TYPES.concat(ACCEPTED_EXTENSIONS).join(","),
  });
  var attachButton = el("button", { type: "button", className: "attach" });
  attachButton.appendChild(icon(ICONS.attach));
  var inputLabel = el("label", { for: "bw-input", className: "sr-only" });
  var input = el("textarea", { id: "bw-input", rows: "1", dir: "auto", autocomplete: "off" });
  var sendButton = el("button", { type: "submit", className: "send" });
  sendButton.appendChild(icon(ICONS.send));
  var form = el("form", { className: "composer" }, [
    attachButton, fileInput, inputLabel, input, sendButton,
  ]);
  var panel = el("section", {
    id: "bw-panel", className: "panel", role: "dialog", "aria-modal": "false",
    "aria-labelledby": "bw-title", hidden: true,
  }, [
    el("header", { className: "header" }, [
      el("div", { className: "heading" }, [title, subtitle]), switchButton, closeButton,
    ]),
    log,
    typing,
    status,
    alertBox,
    previews,
    form,
  ]);
  typing.appendChild(el("span", { className: "dots" }, [
    el("span"), el("span"), el("span"),
  ]));
  typing.hidden = true;
  // hidden until its style sheet is there (no flash of unstyled controls)
  var frame = el("div", { className: "frame page-" + pageDir, hidden: true }, [
    panel, launcher, announcer,
  ]);
  var styled = new Promise(function (resolve) {
    css.addEventListener("load", resolve);
    css.addEventListener("error", resolve);
  }).then(function () { frame.hidden = false; });
  root.appendChild(css);
  root.appendChild(frame);

  // ---- language: lang/dir of the widget and every label follow the conversation ----
  function setLanguage(language) {
    if (language !== "ar" && language !== "en") return;
    state.language = language;
    store("language", language);
    var t = TEXT[language];
    var dir = language === "ar" ? "rtl" : "ltr";
    host.setAttribute("lang", language);
    host.setAttribute("dir", dir);
    frame.setAttribute("lang", language);
    frame.setAttribute("dir", dir);
    labelLauncher();
    title.textContent = t.title;
    subtitle.textContent = t.subtitle;
    switchButton.textContent = t.other;
    switchButton.setAttribute("lang", t.otherLang);
    switchButton.setAttribute("aria-label", t.otherLabel);
    closeButton.setAttribute("aria-label", t.close);
    log.setAttribute("aria-label", t.log);
    attachButton.setAttribute("aria-label", t.attach);
    attachButton.setAttribute("title", t.attach);
    inputLabel.textContent = t.message;
    input.setAttribute("placeholder", t.placeholder);
    sendButton.setAttribute("aria-label", t.send);
    sendButton.setAttribute("title", t.send);
    previews.setAttribute("aria-label", t.chosen);
    Array.prototype.forEach.call(root.querySelectorAll(".quick-replies"), function (group) {
      group.setAttribute("aria-label", t.quickReplies);
    });
    Array.prototype.forEach.call(root.querySelectorAll(".notice-label"), function (label) {
      label.textContent = t.notice;
    });
    renderPreviews();
    resize();
  }

  // ---- text rendering: text nodes and <bdi> only ----
  function appendText(parent, text) {
    var last = 0;
    var match;
    ISOLATED.lastIndex = 0;
    while ((match = ISOLATED.exec(text)) !== null) {
      appendTokens(parent, text.slice(last, match.index));
      parent.appendChild(el("bdi", { dir: "ltr", text: match[1] }));
      last = match.index + match[0].length;
    }
    appendTokens(parent, text.slice(last));
  }

  function appendTokens(parent, text) {
    text = text.replace(/[\u2066-\u2069]/g, "");
    if (!ARABIC.test(text)) {
      if (text) parent.appendChild(document.createTextNode(text));
      return;
    }
    var parts = text.split(LTR_TOKEN);
    for (var i = 0; i < parts.length; i++) {
      if (!parts[i]) continue;
      if (i % 2 === 1) parent.appendChild(el("bdi", { dir: "ltr", text: parts[i] }));
      else parent.appendChild(document.createTextNode(parts[i]));
    }
  }

  function formatSize(bytes) {
    var units = TEXT[state.language].units;
    if (bytes < 1024) return bytes + " " + units[0];
    if (bytes < 1048576) return Math.round(bytes / 1024) + " " + units[1];
    return (bytes / 1048576).toFixed(1) + " " + units[2];
  }

  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }

  function kindOf(file) {
    var kind = (file.type || "").split("/")[1] || "";
    return kind ? kind.replace("jpeg", "jpg").toUpperCase() : TEXT[state.language].file;
  }

  function fileChip(file) {
    var item = el("li", { className: "file" + (file.rejected ? " rejected" : "") });
    if (file.url && /^image\//.test(file.type)) {
      item.appendChild(el("img", { src: file.url, alt: "", className: "thumb" }));
    } else {
      item.appendChild(el("span", { className: "thumb doc", "aria-hidden": "true", text: kindOf(file) }));
    }
    var name = el("bdi", { className: "name", text: file.name });
    item.appendChild(name);
    var details = file.rejected ? TEXT[state.language].rejected
      : file.size ? formatSize(file.size) : "";
    if (details) item.appendChild(el("span", { className: "size", text: details }));
    return item;
  }

  function addMessage(from, text, options) {
    options = options || {};
    var t = TEXT[state.language];
    var message = el("div", { className: "message " + from });
    var bubble = el("div", { className: "bubble", dir: "auto" });
    bubble.appendChild(el("span", { className: "sr-only", text: from === "user" ? t.you : t.bot }));
    if (text) {
      var body = el("p", { className: "text", dir: "auto" });
      appendText(body, text);
      bubble.appendChild(body);
    }
    if (options.image && /^https?:\/\//.test(options.image)) {
      bubble.appendChild(el("img", { src: options.image, alt: "", className: "image" }));
    }
    if (options.files && options.files.length) {
      bubble.appendChild(el("ul", { className: "files" }, options.files.map(fileChip)));
    }
    message.appendChild(bubble);
    if (options.buttons && options.buttons.length) {
      var group = el("div", {
        className: "quick-replies", role: "group", "aria-label": t.quickReplies,
      });
      options.buttons.forEach(function (button) {
        var quick = el("button", { type: "button", className: "quick", dir: "auto" });
        appendText(quick, button.title || button.payload);
        quick.addEventListener("click", function () {
          if (state.busy) return;
          send(button.payload, button.title || button.payload, []);
        });
        group.appendChild(quick);
      });
      message.appendChild(group);
    }
    log.appendChild(message);
    scrollDown();
    return message;
  }

  // A back-office notification: a message of the assistant, marked as a notification. The
  // log is a live region, so it is read out when it comes; with the panel closed the
  // launcher shows a dot and the announcer says it. `old`: one from the history, seen before.
  function addNotice(notice, old) {
    if (!notice || typeof notice.text !== "string" || !notice.text) return null;
    if (notice.id !== undefined && notice.id !== null) {
      if (state.notices[notice.id]) return null; // shown already
      state.notices[notice.id] = true;
    }
    var t = TEXT[state.language];
    var message = el("div", { className: "message bot notice" });
    var bubble = el("div", { className: "bubble", dir: "auto" });
    var fromAgent = notice.kind === "agent"; // a call-centre agent's line, not a notice
    var label = fromAgent ? t.agent : t.notice;
    bubble.appendChild(el("span", { className: "notice-label", text: label }));
    bubble.appendChild(el("span", { className: "sr-only", text: ": " }));
    var lang = notice.language === "ar" || notice.language === "en" ? notice.language : null;
    var body = el("p", { className: "text", dir: "auto", lang: lang });
    appendText(body, notice.text);
    bubble.appendChild(body);
    message.appendChild(bubble);
    log.appendChild(message);
    scrollDown();
    if (panel.hidden && !old) {
      state.unseen = true;
      labelLauncher();
      announcer.textContent = (fromAgent ? t.agent : t.newNotice) + ": " +
        notice.text.replace(/[\u2066-\u2069]/g, "");
    }
    return message;
  }

  function labelLauncher() {
    var t = TEXT[state.language];
    badge.hidden = !state.unseen;
    launcher.setAttribute("aria-label", state.unseen ? t.open + " (" + t.newNotice + ")" : t.open);
  }

  function clearQuickReplies() {
    Array.prototype.forEach.call(root.querySelectorAll(".quick-replies"), function (group) {
      group.parentNode.removeChild(group);
    });
  }

  function showAlert(text) {
    alertBox.textContent = text || "";
    alertBox.hidden = !text;
  }

  function setBusy(busy) {
    state.busy = busy;
    typing.hidden = !busy;
    status.textContent = busy ? TEXT[state.language].typing : "";
    log.setAttribute("aria-busy", busy ? "true" : "false");
    sendButton.disabled = busy;
    if (busy) scrollDown();
  }

  // ---- files: type and size checked here, content checked again by the server ----
  function acceptable(file) {
    var name = (file.name || "").toLowerCase();
    var typeOk = ACCEPTED_TYPES.indexOf(file.type) >= 0 || (!file.type &&
      ACCEPTED_EXTENSIONS.some(function (ext) { return name.slice(-ext.length) === ext; }));
    var t = TEXT[state.language];
    if (!typeOk) return format(t.badType, { name: file.name });
    if (file.size > MAX_FILE_BYTES) {
      return format(t.tooBig, { name: file.name, size: formatSize(file.size) });
    }
    return null;
  }

  function addFiles(list) {
    var problems = [];
    Array.prototype.forEach.call(list, function (file) {
      var problem = acceptable(file);
      if (problem) { problems.push(problem); return; }
      if (state.files.length >= MAX_FILES) {
        var tooMany = format(TEXT[state.language].tooMany, { max: MAX_FILES });
        if (problems.indexOf(tooMany) < 0) problems.push(tooMany);
        return;
      }
      state.files.push({ file: file, url: URL.createObjectURL(file) });
    });
    showAlert(problems.join("\n"));
    renderPreviews();
  }

  function removeFile(index) {
    state.files.splice(index, 1);
    renderPreviews();
    (previews.querySelector("button.remove") || attachButton).focus();
  }

  function renderPreviews() {
    while (previews.firstChild) previews.removeChild(previews.firstChild);
    previews.hidden = state.files.length === 0;
    state.files.forEach(function (chosen, index) {
      var file = chosen.file;
      var item = fileChip({ name: file.name, type: file.type, size: file.size, url: chosen.url });
      var remove = el("button", {
        type: "button", className: "remove",
        "aria-label": format(TEXT[state.language].remove, { name: file.name }),
      });
      remove.appendChild(icon(ICONS.close));
      remove.addEventListener("click", function () { removeFile(index); });
      item.appendChild(remove);
      previews.appendChild(item);
    });
  }

  function readFile(chosen) {
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () {
        resolve({ filename: chosen.file.name, content_type: chosen.file.type, data: reader.result });
      };
      reader.onerror = function () { reject(reader.error); };
      reader.readAsDataURL(chosen.file);
    });
  }

  // ---- talking to the channel ----
  function send(text, shown, files) {
    if (state.busy || (!text.trim() && !files.length)) return Promise.resolve();
    showAlert("");
    var focus = root.activeElement;
    var fromQuickReply = !!(focus && focus.closest && focus.closest(".quick-replies"));
    clearQuickReplies();
    var bubble = addMessage("user", shown, {
      files: files.map(function (chosen) {
        return { name: chosen.file.name, type: chosen.file.type, size: chosen.file.size, url: chosen.url };
      }),
    });
    setBusy(true);
    if (fromQuickReply) {
      // the pressed button is gone: the focus goes on to the message box, or to the
      // conversation on touch screens (no on-screen keyboard popping up uninvited)
      var coarse = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
      (coarse ? log : input).focus();
    }
    var metadata = {};
    if (shown !== text) metadata.display = shown;
    return Promise.all(files.map(readFile)).then(function (attachments) {
      if (attachments.length) metadata.attachments = attachments;
      var body = { message: text, metadata: metadata };
      if (state.sender) body.sender = state.sender;
      return fetch(endpoint + "webhook", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }).then(function (data) {
      if (data.sender && data.sender !== state.sender) {
        state.sender = data.sender;
        store("sender", data.sender);
        inbox.stopped = false;
        inbox.delay = POLL_MS;
        schedulePoll();
      }
      setBusy(false);
      setLanguage(data.language || state.language);
      (data.messages || []).forEach(function (message) {
        addMessage("bot", message.text, message);
      });
      // queued for a call-centre agent ("Back to the assistant" offered): their lines come
      // through the inbox, so ask it soon rather than in 15 s
      var withAgent = (data.messages || []).some(function (message) {
        return (message.buttons || []).some(function (b) { return b.payload === LEAVE_AGENT; });
      });
      if (withAgent) { inbox.delay = AGENT_POLL_MS; schedulePoll(); }
    }).catch(function () {
      // nothing was sent: take the message back into the composer
      setBusy(false);
      if (bubble.parentNode) bubble.parentNode.removeChild(bubble);
      if (text === shown && !input.value) input.value = text;
      if (!state.files.length) state.files = files;
      renderPreviews();
      showAlert(TEXT[state.language].failed);
    });
  }

  function submit(event) {
    if (event) event.preventDefault();
    var text = input.value.trim();
    if (state.busy || (!text && !state.files.length)) return;
    var files = state.files;
    state.files = [];
    input.value = "";
    resize();
    renderPreviews();
    send(text, text, files);
  }

  function restore() {
    if (!state.sender) {
      addMessage("bot", TEXT[state.language].welcome);
      return Promise.resolve();
    }
    log.setAttribute("aria-busy", "true");
    return fetch(endpoint + "history?sender=" + encodeURIComponent(state.sender))
      .then(function (response) {
        if (response.status === 400) return null; // an id this server does not take
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        if (!data) { state.sender = null; store("sender", null); }
        if (data && data.language) setLanguage(data.language);
        var messages = (data && data.messages) || [];
        if (!messages.length) addMessage("bot", TEXT[state.language].welcome);
        var lastUser = -1;
        messages.forEach(function (m, i) { if (m.from === "user") lastUser = i; });
        messages.forEach(function (m, i) {
          if (m.from === "notice") { addNotice(m, true); return; }
          addMessage(m.from === "user" ? "user" : "bot", m.text, {
            image: m.image,
            buttons: i > lastUser ? m.buttons : null,
            files: (m.attachments || []).map(function (f) {
              return { name: f.filename, type: f.content_type, size: f.size, rejected: f.rejected };
            }),
          });
        });
      })
      .catch(function () { showAlert(TEXT[state.language].failed); })
      .then(function () { log.setAttribute("aria-busy", "false"); scrollDown(); });
  }

  // ---- the inbox: notifications from the back office, asked for and then polled ----
  function checkInbox() {
    if (inbox.stopped || !state.sender) return Promise.resolve();
    if (inbox.busy || state.busy) { schedulePoll(); return Promise.resolve(); }
    inbox.busy = true;
    clearTimeout(inbox.timer);
    inbox.timer = null;
    var url = endpoint + "inbox?sender=" + encodeURIComponent(state.sender);
    return fetch(url, { cache: "no-store" })
      .then(function (response) {
        if (response.status === 400) { inbox.stopped = true; return null; } // id not taken
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        // sooner while a call-centre agent is in the chat (the server says so)
        var soon = data && data.poll_ms ? Math.max(1000, Math.min(data.poll_ms, POLL_MS)) : 0;
        inbox.delay = soon || POLL_MS;
        ((data && data.messages) || []).forEach(function (notice) { addNotice(notice, false); });
      })
      .catch(function () {
        // the server or the network is down: ask again later, and less often
        inbox.delay = Math.min(inbox.delay * 2, MAX_POLL_MS);
      })
      .then(function () {
        inbox.busy = false;
        schedulePoll();
      });
  }

  function schedulePoll() {
    clearTimeout(inbox.timer);
    inbox.timer = null;
    if (inbox.stopped || !state.sender || document.hidden) return;
    inbox.timer = setTimeout(function () { checkInbox(); }, inbox.delay);
  }

  document.addEventListener("visibilitychange", function () {
    if (document.hidden) { clearTimeout(inbox.timer); inbox.timer = null; }
    else if (inbox.delay === POLL_MS) checkInbox(); // back on the page: ask now
    else schedulePoll(); // still backing off
  });

  function resize() {
    // an empty box (and its placeholder) runs the conversation's way; typed text its own way
    input.setAttribute("dir", input.value.trim() ? "auto" : frame.getAttribute("dir"));
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 140) + "px";
  }

  function open(focus) {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    frame.classList.add("is-open");
    store("open", "1");
    if (state.unseen) {
      state.unseen = false;
      announcer.textContent = "";
      labelLauncher();
    }
    scrollDown();
    if (focus !== false) input.focus();
  }

  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    frame.classList.remove("is-open");
    store("open", "0");
    launcher.focus();
  }

  launcher.addEventListener("click", function () {
    if (panel.hidden) open(); else close();
  });
  closeButton.addEventListener("click", close);
  switchButton.addEventListener("click", function () {
    var t = TEXT[state.language];
    send(t.switchPayload, t.other, []);
  });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { event.preventDefault(); close(); }
  });
  attachButton.addEventListener("click", function () { fileInput.click(); });
  fileInput.addEventListener("change", function () {
    addFiles(fileInput.files);
    fileInput.value = "";
    input.focus();
  });
  form.addEventListener("submit", submit);
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) submit(event);
  });
  input.addEventListener("input", resize);
  // files dropped on the panel or pasted into the message box (a copied screenshot)
  panel.addEventListener("dragover", function (event) { event.preventDefault(); });
  panel.addEventListener("drop", function (event) {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files.length) addFiles(event.dataTransfer.files);
  });
  input.addEventListener("paste", function (event) {
    var files = event.clipboardData && event.clipboardData.files;
    if (files && files.length) { event.preventDefault(); addFiles(files); }
  });

  function start() {
    document.body.appendChild(host);
    setLanguage(state.language);
    showAlert("");
    var wasOpen = stored("open");
    if (wasOpen === "1" || (wasOpen === null && config.open === "true")) open(false);
    window.BalaghWebchat.ready = Promise.all([styled, restore().then(checkInbox)]);
  }

  window.BalaghWebchat = { open: open, close: close, ready: null };
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
