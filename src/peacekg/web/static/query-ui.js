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

  function permalinkFor(query) {
    const url = new URL(config.page, window.location.href);
    url.searchParams.set("query", query);
    return url.pathname + url.search;
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
    document.getElementById("yasgui").scrollIntoView({ behavior: "smooth", block: "start" });
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

  for (const event of ["tabSelect", "tabChange", "tabAdd", "query", "queryResponse"]) {
    yasgui.on(event, () => window.setTimeout(updatePermalink, 0));
  }
  updatePermalink();
})();
