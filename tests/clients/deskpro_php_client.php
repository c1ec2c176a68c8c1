<?php
// Drives DeskPRO's official PHP API client (deskpro/deskpro-api-client-php, Deskpro\API\DeskproClient) against a
// running Portico, as a new user would. Prints one JSON object of what it saw; the Python test
// (tests/rest/test_deskpro_php_client.py) asserts on it. Env: AUTOLOAD (the autoloader the test wrote over a
// checkout of the SDK and its dependencies), BASE, KEY_ID, KEY_SECRET, EMAIL, PASSWORD.
declare(strict_types=1);

require getenv('AUTOLOAD');

use Deskpro\API\APIResponseInterface;
use Deskpro\API\DeskproClient;
use Deskpro\API\Exception\APIException;

error_reporting(E_ALL);
set_error_handler(function (int $no, string $str, string $file, int $line) {
    // A PHP notice or warning inside the SDK (an undefined index in a reply, say) is a failure here.
    throw new ErrorException($str, 0, $no, $file, $line);
});

/** What the SDK raised: its class (without namespace), code and message. */
function failure(callable $call): ?array
{
    try {
        $call();
        return null;
    } catch (APIException $e) {
        $class = get_class($e);
        return ['class' => substr($class, strrpos($class, '\\') + 1), 'code' => $e->getCode(),
                'message' => $e->getMessage()];
    }
}

/** An APIResponse as plain arrays, checking it is one. */
function plain($response): array
{
    if (!$response instanceof APIResponseInterface) {
        throw new RuntimeException('expected an APIResponse, got ' . var_export($response, true));
    }
    return ['data' => $response->getData(), 'meta' => $response->getMeta(), 'linked' => $response->getLinked()];
}

$base = getenv('BASE');
$seen = [];

// A new user first checks the address is a help desk, then finds credentials are needed.
$client = new DeskproClient($base . '/');
$seen['discover'] = plain($client->get('/helpdesk/discover'))['data'];
$seen['unauthenticated'] = failure(fn() => $client->get('/me'));
$wrong = new DeskproClient($base);
$wrong->setAuthKey((int) getenv('KEY_ID'), 'not-the-secret');
$seen['wrongKey'] = failure(fn() => $wrong->get('/me'));

// Authenticate by key: the (id, secret) form and the single "id:secret" string form.
$client->setAuthKey((int) getenv('KEY_ID'), getenv('KEY_SECRET'));
$seen['me'] = plain($client->get('/me'))['data'];
$single = new DeskproClient($base);
$single->setAuthKey(getenv('KEY_ID') . ':' . getenv('KEY_SECRET'));
$seen['meSingle'] = plain($single->get('/me'))['data'];

// Article categories: a top one, a child, a rename, a delete.
$book = plain($client->post('/article_categories', ['title' => 'Guides']))['data'];
$chapter = plain($client->post('/article_categories', ['title' => 'Acounts', 'parent' => $book['id']]))['data'];
$seen['categoryUpdate'] = (string) $client->put('/article_categories/{id}', ['title' => 'Accounts'], ['id' => $chapter['id']]);
$spare = plain($client->post('/article_categories', ['title' => 'Spare']))['data'];
$seen['categoryDelete'] = plain($client->delete('/article_categories/{id}', ['id' => $spare['id']]));
$seen['deletedCategory'] = failure(fn() => $client->get('/article_categories/{id}', ['id' => $spare['id']]));
$seen['categories'] = plain($client->get('/article_categories'))['data'];

// Articles: create, update (204 and then follow_location), read, list and page, delete.
$article = plain($client->post('/articles', ['title' => 'Reset a password', 'content' => '<p>Click reset.</p>',
                                             'status' => 'published', 'categories' => [$chapter['id']]]))['data'];
$seen['articleCreated'] = $article;
$seen['articleUpdate'] = (string) $client->put('/articles/{id}', ['title' => 'Reset your password'], ['id' => $article['id']]);
$seen['articleFollowed'] = plain($client->put('/articles/{id}', ['content' => '<p>Click "Reset".</p>'],
                                              ['id' => $article['id'], 'follow_location' => 1]))['data'];
// Portico keeps every article in a chapter: none named is a field error.
$seen['uncategorized'] = failure(fn() => $client->post('/articles', ['title' => 'Loose', 'content' => 'x']));
$second = plain($client->post('/articles', ['title' => 'Change your email', 'content' => '<p>Edit it.</p>',
                                            'status' => 'hidden.draft', 'categories' => [$chapter['id']]]))['data'];
$seen['draft'] = $second;
$seen['article'] = plain($client->get('/articles/{id}', ['id' => $article['id']]))['data'];
$seen['articlesPage1'] = plain($client->get('/articles', ['count' => 1, 'page' => 1]));
$seen['articlesPage2'] = plain($client->get('/articles', ['count' => 1, 'page' => 2]));
// PHP arrays in the query: http_build_query sends ids[0]=1&ids[1]=2.
$seen['articlesByIds'] = array_column(plain($client->get('/articles', ['ids' => [$second['id']]]))['data'], 'id');
$seen['articleDelete'] = plain($client->delete('/articles/{id}', ['id' => $second['id']]));
$seen['deletedArticle'] = failure(fn() => $client->get('/articles/{id}', ['id' => $second['id']]));
$seen['articlesAfter'] = array_column(plain($client->get('/articles'))['data'], 'id');

// A ticket for a customer email, with its first message; then replies and an agent note.
$ticket = plain($client->post('/tickets', [
    'subject' => 'Printer on fire', 'person' => 'ada@example.com',
    'message' => ['message' => '<p>It is on fire</p>', 'format' => 'html']]))['data'];
$seen['ticket'] = $ticket;
$seen['ticketLocation'] = $client->getLastHTTPResponse()->getHeaderLine('Location');
// An update the Zapier way (follow_location => true is sent as follow_location=1), with labels and non-ASCII text.
$seen['ticketUpdated'] = plain($client->put('/tickets/{id}', [
    'subject' => 'Drucker brennt – “sofort”', 'labels' => ['printer', 'urgent'], 'status' => 'resolved'],
    ['id' => $ticket['id'], 'follow_location' => true]))['data'];
$seen['ticketCounts'] = plain($client->get('/tickets/counts'))['data'];
$seen['agents'] = array_column(plain($client->get('/agents'))['data'], 'primary_email');
$blob = plain($client->post('/blobs/temp', ['multipart' => [
    ['name' => 'file', 'contents' => "log line\n", 'filename' => 'printer.log']]]))['data'];
$seen['blob'] = $blob;
$seen['reply'] = plain($client->post('/tickets/{id}/messages', [
    'message' => 'Looking now', 'format' => 'text', 'attachments' => [['blob_auth' => $blob['blob_auth']]]],
    ['id' => $ticket['id']]))['data'];
$seen['note'] = plain($client->post('/tickets/{id}/messages', ['message' => 'internal: toner', 'is_note' => true],
                                    ['id' => $ticket['id']]))['data'];
$seen['messages'] = plain($client->get('/tickets/{id}/messages', ['id' => $ticket['id']]))['data'];
$seen['blankMessage'] = failure(fn() => $client->post('/tickets/{id}/messages', ['message' => ''],
                                                      ['id' => $ticket['id']]));

// People by email, and agents.
$seen['people'] = plain($client->get('/people', ['primary_email' => 'ada@example.com']))['data'];
$seen['nobody'] = plain($client->get('/people', ['primary_email' => 'nobody@example.com']))['data'];

// A batch with a failing entry: both the SDK's object form and a bare relative URL.
$batch = $client->batch([
    'ticket' => ['method' => 'GET', 'url' => '/api/v2/tickets/' . $ticket['id']],
    'missing' => '/tickets/999999',
    'create' => ['method' => 'POST', 'url' => '/article_categories', 'payload' => ['title' => 'From a batch']],
]);
$seen['batch'] = array_map('plain', $batch);
// A PHP list of requests is sent as a JSON list: answered by position.
$seen['batchList'] = array_map(fn($r) => $r->getData(), $client->batch(['/tickets/' . $ticket['id'], '/tickets/999999']));
$seen['ticketWithPerson'] = plain($client->get('/tickets', ['ids' => [$ticket['id']], 'include' => ['person']]));

// Field errors on bad input, as the SDK words them.
$seen['badTicket'] = failure(fn() => $client->post('/tickets', ['subject' => '', 'person' => 'ada@example.com',
                                                                 'message' => ['message' => 'Help']]));
$seen['emptyTicket'] = failure(fn() => $client->post('/tickets', ['subject' => '']));
$seen['badNested'] = failure(fn() => $client->post('/tickets', ['subject' => 'Hi', 'person' => 'ada@example.com',
                                                                 'message' => ['message' => '']]));
$seen['badArticle'] = failure(fn() => $client->post('/articles', ['title' => '', 'content' => 'x',
                                                                   'categories' => [$chapter['id']]]));
$seen['notJson'] = failure(fn() => $client->post('/tickets', '{"subject": '));

// Async calls go through the same client.
$seen['async'] = plain($client->getAsync('/tickets/{id}', ['id' => $ticket['id']])->wait())['data']['id'];

// A read-only key reads but may not write; a key whose tags leave out tickets may not list them.
$reader = new DeskproClient($base);
$reader->setAuthKey(getenv('READ_ONLY_KEY'));
$seen['readOnlyRead'] = count(plain($reader->get('/tickets'))['data']);
$seen['readOnlyWrite'] = failure(fn() => $reader->post('/article_categories', ['title' => 'Nope']));
$narrow = new DeskproClient($base);
$narrow->setAuthKey(getenv('NARROW_KEY'));
$seen['narrowTickets'] = failure(fn() => $narrow->get('/tickets'));
$seen['narrowArticles'] = count(plain($narrow->get('/articles'))['data']);
// A key with an hourly cap of one call: the second is refused (429), and the reply says when to retry.
$capped = new DeskproClient($base);
$capped->setAuthKey(getenv('CAPPED_KEY'));
$capped->get('/me');
$seen['capped'] = failure(fn() => $capped->get('/me'));
$seen['cappedRetryAfter'] = $capped->getLastHTTPRequestException()->getResponse()->getHeaderLine('Retry-After');

// Authenticate by token: exchange the staff email and password, then use the token.
$token = new DeskproClient($base);
$seen['badPassword'] = failure(fn() => $token->post('/api_tokens', ['email' => getenv('EMAIL'),
                                                                     'password' => 'wrong']));
$seen['emptyExchange'] = failure(fn() => $token->post('/api_tokens', []));
$exchanged = plain($token->post('/api_tokens', ['email' => getenv('EMAIL'), 'password' => getenv('PASSWORD')]));
$token->setAuthToken($exchanged['data']['person_id'], $exchanged['data']['token']);
$seen['tokenMe'] = plain($token->get('/me'))['data'];
$seen['tokenTickets'] = array_column(plain($token->get('/tickets'))['data'], 'id');

echo json_encode($seen, JSON_THROW_ON_ERROR);
