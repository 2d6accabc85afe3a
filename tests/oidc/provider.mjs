// A real OpenID provider for the console's sign-in tests: panva's certified `oidc-provider`,
// configured the way a shop's identity provider would be for the console (one confidential
// client, authorization code with PKCE S256 required, a `groups` claim in the ID token).
//
// The login step is a plain HTML form asking only for an account's login, so that a test can
// complete it with plain HTTP requests as well as with a browser; consent is given at once.
// tests/oidc_provider.py starts this with:
//
//   node provider.mjs --port P --client-id ID --client-secret S --redirect-uri URI...
//                     --accounts '[{"login", "email", "name", "groups": [...]}, ...]'
//                     [--issuer URL]   (default http://127.0.0.1:P)

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const SCOPES = ['openid', 'email', 'profile', 'groups'];

function settings() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      issuer: { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      accounts: { type: 'string' },
    },
  });
  const missing = ['port', 'client-id', 'client-secret', 'redirect-uri', 'accounts'].filter(
    (name) => values[name] === undefined,
  );
  if (missing.length) {
    console.error(`provider.mjs: missing --${missing.join(', --')}`);
    process.exit(2);
  }
  const port = Number.parseInt(values.port, 10);
  const accounts = new Map(JSON.parse(values.accounts).map((account) => [account.login, account]));
  return {
    port,
    issuer: values.issuer ?? `http://127.0.0.1:${port}`,
    client: {
      client_id: values['client-id'],
      client_secret: values['client-secret'],
      redirect_uris: values['redirect-uri'],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    accounts,
  };
}

// A fresh signing key per start: tests fetch it from the JWKS endpoint, never from a file.
function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), use: 'sig', alg: 'RS256' };
}

function configuration({ client, accounts }) {
  return {
    clients: [client],
    jwks: { keys: [signingKey()] },
    cookies: {
      keys: [randomBytes(32).toString('hex')],
      // The default long cookie is SameSite=None, which a browser drops over plain http.
      long: { signed: true, httpOnly: true, sameSite: 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
    },
    responseTypes: ['code'],
    pkce: { methods: ['S256'], required: () => true },
    scopes: SCOPES,
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
      groups: ['groups'],
    },
    // As most identity providers do, put the granted scopes' claims in the ID token itself.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(ctx, sub) {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        async claims() {
          return {
            sub,
            email: account.email,
            email_verified: true,
            name: account.name,
            preferred_username: account.login,
            groups: account.groups,
          };
        },
      };
    },
  };
}

function escaped(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function loginPage(uid, message) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Test identity provider</title></head>
<body><main>
<h1>Sign in to the test identity provider</h1>
${message ? `<p role="alert">${escaped(message)}</p>` : ''}
<form method="post" action="/interaction/${escaped(uid)}/login">
<label for="login">Login</label> <input id="login" name="login" autocomplete="username" required autofocus>
<button type="submit">Sign in</button>
</form>
</main></body></html>`;
}

async function formBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res, status, html) {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(html);
}

// Consent is given at once: the console is the shop's own (first-party) client.
async function approve(provider, req, res, interaction) {
  const { prompt: { details }, params, session } = interaction;
  const grant = interaction.grantId
    ? await provider.Grant.find(interaction.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
  if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
  const grantId = await grant.save();
  const consent = interaction.grantId ? {} : { grantId };
  await provider.interactionFinished(req, res, { consent }, { mergeWithLastSubmission: true });
}

async function interact(provider, accounts, req, res) {
  const { pathname } = new URL(req.url, 'http://provider');
  const [, , uid, step] = pathname.split('/');
  const interaction = await provider.interactionDetails(req, res);
  if (interaction.uid !== uid) return send(res, 400, 'This sign-in is not the one in progress.');
  if (req.method === 'GET' && !step && interaction.prompt.name === 'consent') {
    return approve(provider, req, res, interaction);
  }
  if (req.method === 'GET' && !step) return send(res, 200, loginPage(uid));
  if (req.method === 'POST' && step === 'login') {
    const login = (await formBody(req)).get('login') ?? '';
    if (!accounts.has(login)) return send(res, 200, loginPage(uid, 'No account has this login.'));
    return provider.interactionFinished(
      req,
      res,
      { login: { accountId: login } },
      { mergeWithLastSubmission: false },
    );
  }
  return send(res, 405, 'Not allowed here.');
}

const config = settings();
const provider = new Provider(config.issuer, configuration(config));
provider.on('server_error', (ctx, error) => console.error('server_error', error));
const handle = provider.callback();

const server = createServer((req, res) => {
  if (!req.url.startsWith('/interaction/')) return handle(req, res);
  return interact(provider, config.accounts, req, res).catch((error) => {
    console.error('interaction failed:', error.message);
    if (!res.headersSent) send(res, 400, escaped(error.message));
  });
});
server.listen(config.port, '127.0.0.1', () => {
  console.log(`OpenID provider listening, issuer ${config.issuer}`);
});
