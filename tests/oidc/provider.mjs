// An OpenID Provider for Kirana's integration tests, on a loopback port chosen by the OS.
// Any login name is an account: its subject is the name, its e-mail the name too, and
// the e-mail counts as verified unless the name starts with "unverified".
// Environment: REDIRECT_URI (the one registered redirect URI), CLIENT_SECRET.
// Prints "listening <issuer>" on stdout once it answers.
import http from 'node:http';
import Provider from 'oidc-provider';

const redirectUri = process.env.REDIRECT_URI;
const clientSecret = process.env.CLIENT_SECRET;
if (!redirectUri || !clientSecret) {
  console.error('REDIRECT_URI and CLIENT_SECRET are required');
  process.exit(2);
}

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'kirana',
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['kirana-test-cookie-key'] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    async findAccount(_ctx, id) {
      return {
        accountId: id,
        async claims() {
          return {
            sub: id,
            email: id,
            email_verified: !id.startsWith('unverified'),
            name: `Test ${id.split('@')[0]}`,
          };
        },
      };
    },
  });
  provider.on('server_error', (_ctx, err) => console.error('server_error', err));
  server.on('request', provider.callback());
  console.log(`listening ${issuer}`);
});
process.on('SIGTERM', () => process.exit(0));
