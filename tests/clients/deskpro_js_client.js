// Drives DeskPRO's official JavaScript API client (deskpro/deskpro-api-client-javascript, src/DeskproClient.js)
// against a running Portico, as a new user would. Prints one JSON object of what it saw; the Python test
// (tests/rest/test_deskpro_js_client.py) asserts on it. Env: CLIENT_SRC, BASE, KEY_ID, KEY_SECRET, EMAIL, PASSWORD.
const path = require('path');
const FormData = require('form-data');
const DeskproClient = require(path.join(process.env.CLIENT_SRC, 'src', 'DeskproClient.js'));

async function failure(promise) {
  try {
    await promise;
    return null;
  } catch (err) {
    return err;  // the client throws the error body (err.response.data)
  }
}

async function main() {
  const seen = {};
  const client = new DeskproClient(process.env.BASE);
  seen.discover = (await client.get('/helpdesk/discover')).data;
  seen.unauthenticated = await failure(client.get('/me'));

  client.setAuthKey(process.env.KEY_ID, process.env.KEY_SECRET);
  seen.me = (await client.get('/me')).data;

  const book = (await client.post('/article_categories', {title: 'Guides'})).data;
  const category = (await client.post('/article_categories', {title: 'Accounts', parent: book.id})).data;
  const article = (await client.post('/articles', {title: 'Reset a password', content: '<p>Click reset.</p>',
                                                    status: 'published', categories: [category.id]})).data;
  await client.put('/articles/{id}', {title: 'Reset your password'}, {id: article.id});
  seen.article = (await client.get('/articles/{id}', {id: article.id})).data;
  seen.articlesPage = await client.get('/articles', {count: 1, page: 1});
  await client.del('/articles/{id}', {id: article.id});
  seen.deletedArticle = await failure(client.get('/articles/{id}', {id: article.id}));
  seen.categories = (await client.get('/article_categories')).data;

  const ticket = (await client.post('/tickets', {
    subject: 'Printer on fire', person: {name: 'Ada Lovelace', email: 'ada@example.com'},
    message: {message: 'It is on fire', format: 'html'}})).data;
  seen.ticket = ticket;
  const form = new FormData();
  form.append('file', Buffer.from('log line'), {filename: 'printer.log'});
  const blob = (await client.post('/blobs/temp', {multipart: form})).data;
  await client.post('/tickets/{id}/messages', {message: 'Looking now', attachments: [{blob_auth: blob.blob_auth}]},
                    {id: ticket.id});
  await client.post('/tickets/{id}/messages', {message: 'internal', is_note: true}, {id: ticket.id});
  seen.messages = (await client.get('/tickets/{id}/messages', {id: ticket.id})).data;
  seen.people = (await client.get('/people', {primary_email: 'ada@example.com'})).data;
  seen.filters = (await client.get('/ticket_filters')).data;
  seen.batch = await client.batch({
    ok: {method: 'GET', url: `/api/v2/tickets/${ticket.id}`},
    missing: '/tickets/999999',
  });
  seen.badInput = await failure(client.post('/tickets', {subject: ''}));

  const token = new DeskproClient(process.env.BASE);
  const exchanged = (await token.post('/api_tokens', {email: process.env.EMAIL, password: process.env.PASSWORD})).data;
  token.setAuthToken(exchanged.person_id, exchanged.token);
  seen.tokenMe = (await token.get('/me')).data;
  process.stdout.write(JSON.stringify(seen));
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : JSON.stringify(err)));
  process.exit(1);
});
