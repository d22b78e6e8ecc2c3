// Passkeys: register one on the security page, or answer the second step
// of sign-in with one. The server's options and the browser's answers are
// WebAuthn's JSON forms (parse…FromJSON / toJSON).
(function () {
  'use strict';
  function csrf() {
    try { return JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRF-Token']; } catch (e) { return ''; }
  }
  async function post(url, body) {
    const res = await fetch(url, {
      method: 'POST', credentials: 'same-origin',
      headers: {'X-CSRF-Token': csrf(), 'Content-Type': 'application/json'},
      body: JSON.stringify(body || {})
    });
    if (!res.ok) { throw new Error('HTTP ' + res.status); }
    const text = await res.text();
    return text ? JSON.parse(text) : null;
  }
  function failed(button) {
    const msg = document.getElementById(button.dataset.error);
    if (msg) { msg.hidden = false; }
    button.disabled = false;
  }
  const add = document.getElementById('passkey-add');
  if (add) {
    add.addEventListener('click', async function () {
      add.disabled = true;
      try {
        const begin = await post('/account/security/passkeys/begin');
        const cred = await navigator.credentials.create({
          publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(begin.options.publicKey)
        });
        const name = document.getElementById('passkey-name').value;
        await post('/account/security/passkeys/finish', {token: begin.token, name: name, credential: cred.toJSON()});
        window.location.assign('/account/security');
      } catch (e) { failed(add); }
    });
  }
  const signIn = document.getElementById('passkey-signin');
  if (signIn) {
    signIn.addEventListener('click', async function () {
      signIn.disabled = true;
      try {
        const options = await post('/login/mfa/webauthn/begin');
        const cred = await navigator.credentials.get({
          publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options.publicKey)
        });
        const done = await post('/login/mfa/webauthn/finish', {next: signIn.dataset.next || '', credential: cred.toJSON()});
        window.location.assign(done.redirect);
      } catch (e) { failed(signIn); }
    });
  }
})();
