// The single-page client spa-demo: authorization code flow with PKCE S256 in the browser
// (RFC 7636 §4), token request with fetch (the provider allows CORS for public clients), ID
// token signature checked with WebCrypto, then handed to rp_demo, which verifies it again with
// python-jose.
"use strict";

(function () {
  const config = JSON.parse(document.getElementById("spa-config").textContent);
  const statusEl = document.getElementById("spa-status");
  const STORE = "leerid-spa-demo";

  function status(text) {
    statusEl.textContent = text;
  }

  function b64url(bytes) {
    let s = "";
    bytes.forEach((b) => { s += String.fromCharCode(b); });
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function b64urlDecode(text) {
    const s = text.replace(/-/g, "+").replace(/_/g, "/");
    const raw = atob(s + "===".slice((s.length + 3) % 4));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  }

  function randomToken(size) {
    return b64url(crypto.getRandomValues(new Uint8Array(size)));
  }

  async function discovery() {
    // OIDC Discovery 1.0 §4: the only thing the app is configured with is the issuer.
    const response = await fetch(config.issuer + "/.well-known/openid-configuration");
    if (!response.ok) throw new Error("discovery: HTTP " + response.status);
    const metadata = await response.json();
    if (metadata.issuer !== config.issuer) throw new Error("discovery: issuer klopt niet");
    return metadata;
  }

  async function start() {
    if (!window.crypto || !crypto.subtle) {
      status("Deze browser biedt geen WebCrypto op deze URL (gebruik localhost of https).");
      return;
    }
    status("Doorsturen naar LeerID…");
    const metadata = await discovery();
    const verifier = randomToken(48);
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
    const state = config.statePrefix + randomToken(16);
    sessionStorage.setItem(STORE, JSON.stringify({ verifier: verifier, state: state }));
    const url = new URL(metadata.authorization_endpoint);
    url.search = new URLSearchParams({
      response_type: "code",
      client_id: config.clientId,
      redirect_uri: config.redirectUri,
      scope: config.scope,
      state: state,
      nonce: config.nonce,
      code_challenge: b64url(new Uint8Array(digest)),
      code_challenge_method: "S256",
    }).toString();
    window.location.assign(url.toString());
  }

  const ALGORITHMS = {
    RS256: { importAs: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, verifyAs: { name: "RSASSA-PKCS1-v1_5" } },
    ES256: { importAs: { name: "ECDSA", namedCurve: "P-256" }, verifyAs: { name: "ECDSA", hash: "SHA-256" } },
  };

  async function checkSignature(idToken, metadata) {
    const parts = idToken.split(".");
    const header = JSON.parse(new TextDecoder().decode(b64urlDecode(parts[0])));
    const alg = ALGORITHMS[header.alg];
    if (!alg) return "niet gecontroleerd (algoritme " + header.alg + ")";
    const jwks = await (await fetch(metadata.jwks_uri)).json();
    const jwk = jwks.keys.find((k) => k.kid === header.kid);
    if (!jwk) return "ongeldig: geen sleutel " + header.kid;
    const key = await crypto.subtle.importKey("jwk", jwk, alg.importAs, false, ["verify"]);
    const ok = await crypto.subtle.verify(
      alg.verifyAs, key, b64urlDecode(parts[2]), new TextEncoder().encode(parts[0] + "." + parts[1]));
    return ok ? "geldig (" + header.alg + ", sleutel " + header.kid + ")" : "ongeldig";
  }

  function fail(code, description) {
    status("Aanmelden mislukt: " + code + (description ? " – " + description : ""));
    statusEl.className = "col-status bad";
  }

  async function finish() {
    const params = new URLSearchParams(window.location.search);
    const saved = JSON.parse(sessionStorage.getItem(STORE) || "null");
    sessionStorage.removeItem(STORE);
    if (!saved || params.get("state") !== saved.state) {
      fail("rp_state_mismatch", "dit antwoord hoort bij geen aanmelding van deze pagina");
      return;
    }
    const metadata = await discovery();
    // RFC 9207 §2.4: the response must come from our issuer.
    if ((params.has("iss") || metadata.authorization_response_iss_parameter_supported)
        && params.get("iss") !== metadata.issuer) {
      fail("rp_iss_mismatch", "iss " + params.get("iss"));
      return;
    }
    if (params.get("error")) {
      fail(params.get("error"), params.get("error_description"));
      return;
    }
    status("Code inwisselen bij LeerID…");
    const response = await fetch(metadata.token_endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code: params.get("code"),
        redirect_uri: config.redirectUri,
        client_id: config.clientId,
        code_verifier: saved.verifier,
      }),
    });
    const token = await response.json();
    if (!response.ok) {
      fail(token.error, token.error_description);
      return;
    }
    const browserCheck = await checkSignature(token.id_token, metadata);
    status("ID-token in de browser: " + browserCheck + ". Sessie openen…");
    const session = await fetch("/spa/session", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        id_token: token.id_token,
        access_token: token.access_token,
        token_type: token.token_type,
        expires_in: token.expires_in,
        scope: token.scope,
        browser_check: browserCheck,
      }),
    });
    const result = await session.json();
    if (!session.ok) {
      fail(result.error, result.error_description);
      return;
    }
    window.location.assign(result.redirect);
  }

  const button = document.getElementById("spa-login");
  if (button) button.addEventListener("click", () => start().catch((e) => fail("fout", e.message)));
  if (config.finishing) finish().catch((e) => fail("fout", e.message));
})();
