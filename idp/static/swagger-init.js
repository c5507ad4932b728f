// Starts Swagger UI on /docs. A file, not an inline script, so the page's CSP needs no
// 'unsafe-inline'; the page passes the OpenAPI document's URL in a data attribute.
"use strict";

// Swagger UI's own markup, repaired where axe-core finds WCAG 2.1 failures, as a plugin
// (https://swagger.io/docs/open-source-tools/swagger-ui/customization/plugin-api/).
function Accessible() {
  return {
    // An operation's summary is one button that opens it; with deep linking Swagger UI puts
    // the path inside it as a link to the operation, an interactive element inside another
    // (SC 4.1.2). The path is shown as text instead: opening an operation still sets the
    // address's fragment, and an address with a fragment still opens its operation.
    wrapComponents: {
      OperationSummaryPath: function (Original, system) {
        return function (props) {
          var operationProps = props.operationProps.set("isDeepLinkingEnabled", false);
          return system.React.createElement(
            Original,
            Object.assign({}, props, { operationProps: operationProps }),
          );
        };
      },
    },
    // The code blocks' theme (agate, on #333): numbers and comments below 4.5:1 (SC 1.4.3).
    afterLoad: function (store) {
      var agate = store.getSystem().syntaxHighlighting.styles.agate;
      ["hljs-number", "hljs-bullet", "hljs-symbol"].forEach(function (name) {
        agate[name] = { color: "#ff8a8a" };
      });
      agate["hljs-comment"] = { color: "#aaa" };
      agate["hljs-code"] = { fontStyle: "italic", color: "#aaa" };
    },
  };
}

// Controls Swagger UI renders without an accessible name (SC 4.1.2): icon-only buttons, the
// request body's text area, a parameter's list of values. Each gets an aria-label once it
// appears; React leaves attributes it does not manage alone, so the page keeps working.
var NAMES = [
  [".copy-to-clipboard > button", function () { return "Copy to clipboard"; }],
  ["button.close-modal", function () { return "Close"; }],
  ["textarea.body-param__text", function () { return "Request body"; }],
  [
    "tr[data-param-name] select, tr[data-param-name] input, tr[data-param-name] textarea",
    function (element) { return element.closest("tr").dataset.paramName; },
  ],
];

function hasName(element) {
  return (
    element.hasAttribute("aria-label") ||
    element.hasAttribute("aria-labelledby") ||
    (element.labels && element.labels.length > 0) ||
    Boolean(element.getAttribute("title")) ||
    Boolean(element.getAttribute("placeholder"))
  );
}

function repair(root) {
  NAMES.forEach(function (entry) {
    root.querySelectorAll(entry[0]).forEach(function (element) {
      if (!hasName(element)) {
        element.setAttribute("aria-label", entry[1](element));
      }
    });
  });
  // A code block scrolls sideways when its lines are wider than the page; the keyboard can
  // only scroll what it can focus (SC 2.1.1).
  root.querySelectorAll("pre.microlight:not([tabindex])").forEach(function (element) {
    element.setAttribute("tabindex", "0");
  });
}

window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  new MutationObserver(function () {
    repair(root);
  }).observe(root, { childList: true, subtree: true });
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    // The public validator would be a request to the internet: none.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
    plugins: [Accessible],
  });
});
