// Shared pieces of the kioskd browser tests: the report (one "ok - ..." or
// "not ok - ..." line a check, as tests/run.sh counts them), Chromium,
// visitors (one browser context each, watched for foreign requests, missing
// security headers and script dialogs), axe-core, touch target sizes, the
// printed slip, and random visitor data.
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const env = {
	url: process.env.KIOSK_URL || 'http://127.0.0.1:8080',
	// A second kioskd (same settings) for the idle tests, which mostly
	// wait: they run beside the others. Unset: after them, on the first.
	idleUrl: process.env.KIOSK_IDLE_URL || '',
	slip: process.env.KIOSK_SLIP || '',
	escpos2png: process.env.ESCPOS2PNG || '',
	work: process.env.KIOSK_WORK || fs.mkdtempSync('/tmp/kiosk-browser-'),
	results: process.env.KIOSK_RESULTS || '',
	content: process.env.KIOSK_CONTENT || '',
	serviceNumber: process.env.KIOSK_SERVICE_NUMBER || '+447700900000',
	idleWarn: Number(process.env.KIOSK_IDLE_WARN || 5),
	idleGrace: Number(process.env.KIOSK_IDLE_GRACE || 20),
	chromium: process.env.CHROMIUM || '/usr/bin/chromium',
};
export const HOSTS = new Set([env.url, env.idleUrl].filter(Boolean).map((u) => new URL(u).host));

/* ------------------------------------------------------------------ */
/* The report                                                          */

let failed = 0;
let passed = 0;
export const counts = () => ({ passed, failed });

// check(cond, what, details...): one line; details (strings or arrays of
// strings) follow as "# " lines on failure, the first 12 of them.
export function check(cond, what, ...details) {
	if (cond) {
		passed++;
		console.log(`ok - ${what}`);
		return true;
	}
	failed++;
	console.log(`not ok - ${what}`);
	const lines = details.flat().filter((d) => d !== undefined && d !== '');
	for (const d of lines.slice(0, 12))
		console.log(`#   ${String(d).replace(/\n/g, '\n#   ')}`);
	if (lines.length > 12)
		console.log(`#   ... and ${lines.length - 12} more`);
	return false;
}

export const note = (s) => console.log(`# ${s}`);

// What the shell script checks at the hub afterwards.
export const record = { referrals: [], names: [], typed: [], finished: false };
// Remember what a visitor typed, to look for it where it must not be.
export function remember(v) {
	record.names.push(v.name);
	record.typed.push(v.name, v.phone.typed, v.phone.e164, v.otherNeeds.split(' ')[1]);
}
export function saveRecord() {
	if (env.results)
		fs.writeFileSync(env.results, JSON.stringify(record, null, 1));
}

/* ------------------------------------------------------------------ */
/* Chromium                                                             */

export const LAUNCH_ARGS = [
	'--disable-gpu',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	'--no-first-run',
	'--disable-quic',
	'--disable-default-apps',
	'--disable-extensions',
	'--disable-domain-reliability',
	'--disable-breakpad',
	'--metrics-recording-only',
	'--no-default-browser-check',
	'--password-store=basic',
];

export async function launch() {
	const args = [...LAUNCH_ARGS];
	// Chromium cannot sandbox itself as root; an unprivileged user needs
	// no flag.
	if (process.getuid && process.getuid() === 0) args.unshift('--no-sandbox');
	return chromium.launch({
		executablePath: env.chromium,
		headless: true,
		args,
		timeout: 60000,
	});
}

// Every request any visitor's page made, and what was wrong with them.
export const watch = {
	requests: 0,
	foreign: [],
	documents: 0,
	headerProblems: new Map(), // problem -> first url
	dialogs: [],
	cspReports: [],
};

function headerProblems(h) {
	const p = [];
	const csp = h['content-security-policy'] || '';
	const dirs = Object.fromEntries(
		csp.split(';').map((d) => d.trim()).filter(Boolean).map((d) => {
			const [k, ...v] = d.split(/\s+/);
			return [k.toLowerCase(), v];
		}));
	if (!csp) p.push('no Content-Security-Policy');
	else {
		if (!dirs['default-src'] || dirs['default-src'].join(' ') !== "'self'")
			p.push(`CSP default-src is not 'self' (${csp})`);
		if (/unsafe-inline|unsafe-eval|unsafe-hashes/.test(csp))
			p.push(`CSP allows unsafe-* (${csp})`);
	}
	if (!/(^|,)\s*no-store\b/.test(h['cache-control'] || ''))
		p.push(`Cache-Control is "${h['cache-control'] || ''}", not no-store`);
	if ((h['referrer-policy'] || '').trim() !== 'no-referrer')
		p.push(`Referrer-Policy is "${h['referrer-policy'] || ''}"`);
	if ((h['x-content-type-options'] || '').trim().toLowerCase() !== 'nosniff')
		p.push(`X-Content-Type-Options is "${h['x-content-type-options'] || ''}"`);
	const xfo = (h['x-frame-options'] || '').trim().toUpperCase();
	const fa = (dirs['frame-ancestors'] || []).join(' ');
	if (xfo !== 'DENY' && fa !== "'none'")
		p.push('no frame denial (X-Frame-Options DENY or frame-ancestors \'none\')');
	return p;
}

// A visitor: a fresh browser context (its own cookies) and one page.
export async function visitor(browser, opts = {}) {
	const context = await browser.newContext({
		baseURL: opts.url || env.url,
		viewport: { width: 1280, height: 1024 },
		hasTouch: true,
		locale: 'en-GB',
		javaScriptEnabled: opts.javaScript !== false,
		serviceWorkers: 'block',
	});
	context.setDefaultTimeout(15000);
	context.setDefaultNavigationTimeout(15000);
	context.on('request', (req) => {
		watch.requests++;
		const u = new URL(req.url());
		if (u.protocol === 'data:' || u.protocol === 'about:') return;
		if (u.hostname !== '127.0.0.1' || !HOSTS.has(u.host))
			watch.foreign.push(req.url());
	});
	context.on('response', async (resp) => {
		if (resp.request().resourceType() !== 'document') return;
		if (resp.status() >= 300 && resp.status() < 400) return;
		watch.documents++;
		let h;
		try {
			h = await resp.allHeaders();
		} catch {
			return; // the page went on before the headers were read
		}
		for (const p of headerProblems(h))
			if (!watch.headerProblems.has(p))
				watch.headerProblems.set(p, resp.url());
	});
	const page = await context.newPage();
	page.on('dialog', async (d) => {
		watch.dialogs.push(`${d.type()}: ${d.message()} on ${page.url()}`);
		await d.dismiss().catch(() => {});
	});
	page.on('console', (m) => {
		if (/Content.Security.Policy|Refused to/i.test(m.text()))
			watch.cspReports.push(`${page.url()}: ${m.text()}`);
	});
	return { context, page };
}

/* ------------------------------------------------------------------ */
/* Pages                                                                */

export const pathOf = (page) => new URL(page.url()).pathname;

// Run an action that loads a new document and wait for it to load.
export async function nav(page, action) {
	const loaded = page.waitForEvent('load', { timeout: 15000 });
	loaded.catch(() => {}); // awaited below, unless the action fails
	await action();
	await loaded;
}

export async function click(page, selector) {
	await nav(page, () => page.locator(selector).first().click());
}

export async function goto(page, p) {
	return page.goto(p, { waitUntil: 'load' });
}

export async function pageInfo(page) {
	return page.evaluate(() => ({
		lang: document.documentElement.getAttribute('lang'),
		dir: document.documentElement.getAttribute('dir'),
		page: document.body && document.body.getAttribute('data-page'),
		bodyClass: document.body ? document.body.className : '',
		title: document.title,
		h1: (document.querySelector('h1') || {}).textContent || '',
	}));
}

/* ------------------------------------------------------------------ */
/* axe-core and touch targets                                          */

export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
export const axeSeen = new Set();
let axeRuns = 0;
export const axeCount = () => axeRuns;

// axe-core itself, put into the page by the test (so the page's CSP does
// not apply to it), run with the WCAG 2.2 A/AA tags. Fast enough to run on
// every page in every language.
export async function axe(page, what) {
	axeRuns++;
	const violations = await page.evaluate(async ([src, tags]) => {
		if (!window.axe) (0, eval)(src);
		const r = await window.axe.run(document, {
			runOnly: { type: 'tag', values: tags },
			resultTypes: ['violations'],
		});
		return r.violations.map((v) => ({
			id: v.id, impact: v.impact,
			nodes: v.nodes.map((n) => ({ target: n.target, summary: n.failureSummary || '' })),
		}));
	}, [AXE_SOURCE, AXE_TAGS]);
	return axeReport(violations, what);
}

// The same through @axe-core/playwright's AxeBuilder (slower: it finishes
// each run in a page of its own), to check both agree.
export async function axeBuilder(page, what) {
	axeRuns++;
	const r = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
	return axeReport(r.violations, `${what} (AxeBuilder)`);
}

function axeReport(violations, what) {
	const lines = [];
	for (const v of violations)
		for (const n of v.nodes)
			lines.push(`${v.id} (${v.impact}) ${n.target.join(' ')}: ${(n.summary || n.failureSummary || '').split('\n').slice(1, 2).join('').trim()}`);
	for (const v of violations) axeSeen.add(v.id);
	return check(violations.length === 0,
		`axe ${what}: no WCAG 2.2 A/AA violations`, lines);
}

// Every touch target at least 44x44 CSS px: a, button, input, select,
// textarea, summary, and the label of a checkbox or radio (an input inside
// its label is measured by the label). Things not shown are skipped; a
// target off screen until focused (the skip link) is measured focused.
export async function targets(page, what) {
	const { small, n } = await page.evaluate(() => {
		const out = [];
		let n = 0;
		const sel = 'a[href], button, input:not([type=hidden]), select, textarea, summary, label';
		const desc = (el) => {
			let s = el.tagName.toLowerCase();
			if (el.id) s += `#${el.id}`;
			else if (el.getAttribute('name')) s += `[name=${el.getAttribute('name')}]`;
			if (el.getAttribute('for')) s += `[for=${el.getAttribute('for')}]`;
			if (el.getAttribute('href')) s += `[href=${el.getAttribute('href')}]`;
			if (el.getAttribute('value') && el.tagName === 'BUTTON') s += `[value=${el.getAttribute('value')}]`;
			return s;
		};
		const shown = (el) => {
			if (el.closest('[hidden]')) return false;
			const cs = getComputedStyle(el);
			return cs.display !== 'none' && cs.visibility !== 'hidden';
		};
		const offScreen = (r) => r.bottom <= 0 || r.right <= 0 ||
			r.left >= document.documentElement.scrollWidth ||
			(r.width <= 1 && r.height <= 1);
		for (const el of document.querySelectorAll(sel)) {
			let box = el;
			if (el.tagName === 'LABEL') {
				const c = el.control;
				if (!c || (c.type !== 'checkbox' && c.type !== 'radio')) continue;
			}
			if (el.tagName === 'INPUT' && el.closest('label')) box = el.closest('label');
			if (!shown(el)) continue;
			let r = box.getBoundingClientRect();
			if (r.width === 0 && r.height === 0) continue;
			if (offScreen(r)) {
				el.focus();
				r = box.getBoundingClientRect();
				el.blur();
				if (offScreen(r)) continue;
			}
			n++;
			if (r.width < 44 - 0.01 || r.height < 44 - 0.01)
				out.push(`${desc(el)} is ${r.width.toFixed(1)}x${r.height.toFixed(1)}`);
		}
		return { small: out, n };
	});
	return check(small.length === 0 && n > 0, `touch targets ${what}: all ${n} at least 44x44 px`, small);
}

// Both, for a page in a given state.
export async function audit(page, what) {
	await axe(page, what);
	await targets(page, what);
}

/* ------------------------------------------------------------------ */
/* The printed slip                                                     */

export function clearSlip() {
	if (env.slip) fs.rmSync(env.slip, { force: true });
}

let slipN = 0;
// The QR text on the slip kioskd printed last, or null if none was printed.
export async function slipQR() {
	if (!env.slip || !env.escpos2png) return null;
	for (let i = 0; i < 50 && !fs.existsSync(env.slip); i++)
		await new Promise((r) => setTimeout(r, 100));
	if (!fs.existsSync(env.slip)) return null;
	const png = path.join(env.work, `slip-${++slipN}.png`);
	try {
		execFileSync(env.escpos2png, [env.slip, png], { stdio: 'pipe' });
		return execFileSync('zbarimg', ['-q', '--raw', png], { stdio: 'pipe' })
			.toString('utf8').trim();
	} catch (e) {
		return `(undecodable: ${String(e.stderr || e.message).trim()})`;
	}
}

export const slipExists = () => !!env.slip && fs.existsSync(env.slip);

/* ------------------------------------------------------------------ */
/* Random visitors                                                      */

const pick = (a) => a[randomInt(a.length)];
const FIRST = ['Zofia', 'Łukasz', 'مريم', 'Siân', 'Ayşe', 'Ștefan', 'João',
	'Nuño', 'Fatma', 'রহিম', 'Amaal', 'Zoë', 'Oluwaseun', 'Grzegorz', 'فاطمة'];
const LAST = ['Wójcik-Łęcka', 'الحسيني', "O'Brien", 'Yılmaz', 'Pătraşcu',
	'Gonçalves', 'Muñoz', 'চৌধুরী', 'Cabdi', 'Ñúñez', 'Żółć', 'ڈار'];
const LETTERS = 'ąćęłńóśźżabcdefghijkmnprstuvwyzçğışöüăâîșțãõéñ';

// A word no other visitor has, to find this visitor's traces.
export function token() {
	let s = '';
	for (let i = 0; i < 7; i++) s += LETTERS[randomInt(LETTERS.length)];
	return s;
}

export function randomName() {
	return `${pick(FIRST)} ${pick(LAST)} ${token()}`;
}

// A UK mobile number as a visitor types it, and as the hub stores it.
export function randomMobile() {
	const second = pick(['1', '2', '3', '4', '5', '7', '8', '9']);
	let rest = '';
	for (let i = 0; i < 8; i++) rest += String(randomInt(10));
	const digits = `07${second}${rest}`;
	const typed = pick([digits, `${digits.slice(0, 5)} ${digits.slice(5)}`,
		`${digits.slice(0, 5)} ${digits.slice(5, 8)} ${digits.slice(8)}`]);
	return { typed, e164: `+44${digits.slice(1)}` };
}

export const BOROUGHS = ['barking-and-dagenham', 'barnet', 'bexley', 'brent',
	'bromley', 'camden', 'city-of-london', 'croydon', 'ealing', 'enfield',
	'greenwich', 'hackney', 'hammersmith-and-fulham', 'haringey', 'harrow',
	'havering', 'hillingdon', 'hounslow', 'islington', 'kensington-and-chelsea',
	'kingston-upon-thames', 'lambeth', 'lewisham', 'merton', 'newham',
	'redbridge', 'richmond-upon-thames', 'southwark', 'sutton', 'tower-hamlets',
	'waltham-forest', 'wandsworth', 'westminster'];
export const CRIMES = ['violence', 'robbery', 'burglary', 'theft',
	'criminal_damage', 'fraud', 'domestic_abuse', 'sexual_violence', 'stalking',
	'hate_crime', 'road', 'other'];
export const RISK = new Set(['domestic_abuse', 'sexual_violence', 'stalking',
	'hate_crime']);
export const SCRIPT = '<script>alert(1)</script>';

export function randomVisitor(over = {}) {
	const t = token();
	const phone = randomMobile();
	return {
		name: randomName(),
		phone,
		email: `${t.normalize('NFD').replace(/[^a-z]/g, '') || 'v'}.${randomInt(1e6)}@example.org`,
		borough: pick(BOROUGHS),
		crime: pick(CRIMES),
		otherNeeds: `${SCRIPT} ${t} & "quotes" <b>bold</b>`,
		...over,
	};
}

export { pick, randomInt };
