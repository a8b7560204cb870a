// One webhook to smsd signed by Twilio's own helper library (npm
// "twilio"), as Twilio would send it: form-encoded POST with
// X-Twilio-Signature over the public URL and the parameters.
//
// usage: node twilio_send.mjs URL CAFILE AUTH_TOKEN FROM BODY SID [--tamper]
// Prints "<http status> <body>" on one line.
import fs from 'node:fs';
import https from 'node:https';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const twilio = require('twilio');

const [url, cafile, token, from, body, sid, flag] = process.argv.slice(2);
const params = {
	AccountSid: 'AC00000000000000000000000000000000',
	Body: body,
	From: from,
	MessageSid: sid,
	NumMedia: '0',
	To: '+447700900000',
};
const signature = twilio.getExpectedTwilioSignature(token, url, params);
// --tamper: the body changed after signing, as an attacker would.
if (flag === '--tamper') params.Body = `${body}!`;
const data = new URLSearchParams(params).toString();
const req = https.request(url, {
	method: 'POST',
	ca: fs.readFileSync(cafile),
	headers: {
		'Content-Type': 'application/x-www-form-urlencoded',
		'Content-Length': Buffer.byteLength(data),
		'X-Twilio-Signature': signature,
		'I-Twilio-Idempotency-Token': sid,
	},
	timeout: 10000,
}, (res) => {
	let out = '';
	res.setEncoding('utf8');
	res.on('data', (c) => { out += c; });
	res.on('end', () => console.log(`${res.statusCode} ${out.replace(/\n/g, ' ')}`));
});
req.on('error', (e) => { console.log(`000 ${e.message}`); });
req.end(data);
