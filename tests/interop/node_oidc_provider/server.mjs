// An independent OpenID Connect provider for desktop-auth's interoperability tests: panva's
// oidc-provider (OpenID Certified) on 127.0.0.1 with a random port, one user and one native
// client, and small login and consent pages of its own (forms without JavaScript).
//
// Environment: NODE_OIDC_ALICE_PASSWORD (required). Prints "serving http://127.0.0.1:PORT" once
// it listens; exits when its standard input closes (so it never outlives the test run).

import { createServer } from 'node:http';
import { generateKeyPairSync, randomBytes, timingSafeEqual, createHash } from 'node:crypto';

import Provider from 'oidc-provider';

const CLIENT_ID = 'desktop-auth-node';

const alicePassword = process.env.NODE_OIDC_ALICE_PASSWORD;
if (!alicePassword) {
  console.error('NODE_OIDC_ALICE_PASSWORD is not set');
  process.exit(2);
}

const ACCOUNTS = {
  'alice-7f3a': {
    login: 'alice',
    password: alicePassword,
    claims: {
      preferred_username: 'alice',
      name: 'Alice Liddell',
      email: 'alice@node.example',
      email_verified: true,
      roles: ['editor'],
    },
  },
};

function digest(text) {
  return createHash('sha256').update(text, 'utf8').digest();
}

function accountFor(login, password) {
  for (const [accountId, account] of Object.entries(ACCOUNTS)) {
    // Compare digests so the comparison takes the same time whatever was typed.
    const rightLogin = timingSafeEqual(digest(login), digest(account.login));
    const rightPassword = timingSafeEqual(digest(password), digest(account.password));
    if (rightLogin && rightPassword) return accountId;
  }
  return undefined;
}

const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function page(res, status, title, body) {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Security-Policy': "default-src 'none'; form-action 'self' http://127.0.0.1:*",
  });
  res.end(html);
}

function loginPage(res, details, error, login = '') {
  const alert = error ? `<p role="alert">${escapeHtml(error)}</p>` : '';
  page(res, 200, 'Sign in', `
<p>to continue to <strong>${escapeHtml(details.params.client_id)}</strong></p>${alert}
<form method="post">
  <label>Username <input name="login" value="${escapeHtml(login)}" autofocus></label>
  <label>Password <input name="password" type="password"></label>
  <button type="submit" name="action" value="login">Sign in</button>
  <button type="submit" name="action" value="abort">Cancel</button>
</form>`);
}

function consentPage(res, details) {
  const scopes = details.prompt.details.missingOIDCScope || [];
  page(res, 200, 'Allow access', `
<p><strong>${escapeHtml(details.params.client_id)}</strong> asks for: ${escapeHtml(scopes.join(', '))}</p>
<form method="post">
  <button type="submit" name="action" value="allow">Allow</button>
  <button type="submit" name="action" value="deny">Deny</button>
</form>`);
}

async function readForm(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 64 * 1024) throw new Error('form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

const server = createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

  const provider = new Provider(issuer, {
    clients: [{
      client_id: CLIENT_ID,
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      // RFC 8252 §7.3: any port of this loopback redirect URI is accepted for native clients.
      redirect_uris: ['http://127.0.0.1/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    }],
    async findAccount(ctx, id) {
      const account = ACCOUNTS[id];
      if (!account) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...account.claims }) };
    },
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username', 'roles'],
      email: ['email', 'email_verified'],
    },
    // A native app asks for refresh tokens without prompt=consent.
    async issueRefreshToken(ctx, client) {
      return client.grantTypeAllowed('refresh_token');
    },
    pkce: { methods: ['S256'], required: () => true },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    jwks: { keys: [{ ...signingKey.export({ format: 'jwk' }), kid: 'interop-1', alg: 'RS256', use: 'sig' }] },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  });
  const oidc = provider.callback();

  server.on('request', async (req, res) => {
    if (!req.url.startsWith('/interaction/')) {
      oidc(req, res);
      return;
    }
    try {
      const details = await provider.interactionDetails(req, res);
      const { prompt, params, session } = details;
      if (req.method === 'GET') {
        if (prompt.name === 'login') loginPage(res, details);
        else consentPage(res, details);
        return;
      }
      const form = await readForm(req);
      const action = form.get('action');
      if (action === 'abort' || action === 'deny') {
        await provider.interactionFinished(req, res, {
          error: 'access_denied',
          error_description: action === 'abort' ? 'The user cancelled the sign-in.' : 'The user denied access.',
        }, { mergeWithLastSubmission: false });
        return;
      }
      if (prompt.name === 'login') {
        const accountId = accountFor(form.get('login') || '', form.get('password') || '');
        if (!accountId) {
          loginPage(res, details, 'The username or password is incorrect.', form.get('login') || '');
          return;
        }
        await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
        return;
      }
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
      const missing = prompt.details;
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes || {})) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { consent: details.grantId ? {} : { grantId } }, { mergeWithLastSubmission: true });
    } catch (err) {
      console.error(err);
      if (!res.headersSent) page(res, 400, 'Cannot sign in', `<p role="alert">${escapeHtml(err.message)}</p>`);
    }
  });

  console.log(`serving ${issuer}`);
});

process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
