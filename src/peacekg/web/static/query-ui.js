/* peacekg query UI: YASGUI on this server's /sparql, the example queries, and a permalink.
   Everything comes from this server; nothing is fetched from any other host. */
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("query-config").textContent);
  const endpoint = new URL(config.endpoint, window.location.href).href;
  const permalink = document.getElementById("permalink");

  if (typeof window.Yasgui !== "function") {
    document.getElementById("yasgui-missing").hidden = false;
    return;
  }
  const Yasgui = window.Yasgui;
  const Yasqe = Yasgui.Yasqe;

  // Prefix completion from our own list only (the bundled list has e.g. http://schema.org/);
  // no LOV look-ups of classes and properties, which would call another host.
  const completions = Object.entries(config.prefixes).map(([p, iri]) => p + ": <" + iri + ">");
  Yasqe.forkAutocompleter("prefixes", {
    name: "peacekg-prefixes",
    get: completions.sort(),
    persistenceId: null,
  });
  const completers = ["peacekg-prefixes", "variables"];
  Yasqe.defaults.autocompleters = completers.slice();
  Yasgui.defaults.yasqe.autocompleters = completers.slice();

  // The endpoint predeclares these prefixes (a query may use pk: without a PREFIX line), so the
  // editor's tokenizer starts from them too: no "Prefix 'pk' is not defined" on such a line.
  const sparqlMode = Yasqe.modes && Yasqe.modes.sparql11;
  if (sparqlMode) {
    Yasqe.defineMode("sparql11", function (options, modeOptions) {
      const mode = sparqlMode(options, modeOptions);
      const startState = mode.startState;
      mode.startState = function () {
        const state = startState.apply(this, arguments);
        Object.assign(state.prefixes, config.prefixes);
        return state;
      };
      return mode;
    });
  }

  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    endpointCatalogueOptions: { getData: () => [{ endpoint: endpoint }] },
    copyEndpointOnNewTab: false,
    persistenceId: "peacekg-query",
    tabName: "Query",
    yasqe: { value: config.defaultQuery, collapsePrefixesOnLoad: false },
    yasr: { prefixes: config.prefixes },
  });
  window.peacekgYasgui = yasgui;

  // The release that answered the last query (its X-Peacekg-Release header), else the one the
  // page was served from: the permalink records it, so that a later visit can tell.
  let release = config.release;

  function permalinkFor(query) {
    const url = new URL(config.page, window.location.href);
    url.searchParams.set("query", query);
    if (release) url.searchParams.set("release", release);
    return url.pathname + url.search;
  }

  function noteRelease(answered) {
    if (!answered || answered === release) return;
    release = answered;
    const shown = document.getElementById("release");
    if (shown) {
      shown.href = new URL("/dumps/" + encodeURIComponent(answered) + "/", window.location.href).pathname;
      shown.textContent = "";
      shown.appendChild(document.createElement("code")).textContent = answered;
    }
  }

  const watched = new WeakSet();
  function watchAnswers(tab) {
    const yasqe = tab && tab.getYasqe();
    if (!yasqe || watched.has(yasqe)) return;
    watched.add(yasqe);
    yasqe.on("queryResponse", (_yasqe, response) => {
      const headers = response && response.headers;
      if (headers && typeof headers.get === "function") noteRelease(headers.get("X-Peacekg-Release"));
      updatePermalink();
    });
  }

  function updatePermalink() {
    const tab = yasgui.getTab();
    if (tab) permalink.href = permalinkFor(tab.getQuery());
  }

  function openExample(example) {
    let tab = yasgui.tabNameTaken(example.title);
    if (tab) {
      yasgui.selectTabId(tab.getId());
      tab = yasgui.getTab(tab.getId());
      tab.setQuery(example.query);
    } else {
      tab = yasgui.addTab(true, {
        name: example.title,
        yasqe: { value: example.query },
        requestConfig: { endpoint: endpoint },
      });
    }
    updatePermalink();
    // Glide to the editor, or jump for a reader who asked for less motion (WCAG 2.3.3).
    const still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    document.getElementById("yasgui").scrollIntoView({ behavior: still ? "auto" : "smooth", block: "start" });
  }

  const byName = new Map(config.examples.map((e) => [e.name, e]));
  for (const link of document.querySelectorAll("a.example")) {
    link.addEventListener("click", (event) => {
      const example = byName.get(link.dataset.example);
      if (!example || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) {
        return; // a new browser tab or window: follow the link, itself a permalink
      }
      event.preventDefault();
      openExample(example);
    });
  }

  yasgui.on("query", (_yasgui, tab) => watchAnswers(tab));
  watchAnswers(yasgui.getTab());
  for (const event of ["tabSelect", "tabChange", "tabAdd", "query", "queryResponse"]) {
    yasgui.on(event, () => window.setTimeout(updatePermalink, 0));
  }
  updatePermalink();
})();
