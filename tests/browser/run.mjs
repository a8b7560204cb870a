// kioskd in Debian's Chromium: every test group, one browser, a new
// context (a new visitor with no cookies) per visit. Prints "ok - ..." /
// "not ok - ..." lines; exits 1 when any check failed. Environment: see
// lib.mjs (tests/e2e/kiosk_browser.sh sets it all, starts kioskd and the
// hub, and checks afterwards what reached the hub). BROWSER_TESTS=a,b runs
// only the named groups (flows double exit keyboard languages idle);
// BROWSER_LANGS=pl,ur only those of the other languages.
//
//   flows      en, Easy Read (by touch) and ar (rtl): every page, with
//              form errors, info and outside detours, a Change link,
//              high contrast and larger text; axe + 44 px targets on each
//   double     double-click on send, Back, the form sent again: one referral
//   exit       quick exit by #quick-exit and by Shift x3; nothing left
//   keyboard   start to receipt with the keyboard only
//   languages  pl bn ur so tr ro pt es, like flows
//   idle       the idle warning, continue, the wipe (JS and kioskd's timer)
//   listen     read aloud: Listen, F2, a question's Listen, speed, volume,
//              the key map (F1)
import {
	audit, axeCount, check, clearSlip, click, counts, env, goto, launch, nav,
	note, pageInfo, pathOf, randomVisitor, record, saveRecord, slipExists,
	slipQR, visitor, watch,
} from './lib.mjs';
import { at, Walk } from './flow.mjs';
import { exitGroup } from './exit.mjs';
import { idleGroup } from './idle.mjs';
import { keyboardGroup } from './keyboard.mjs';
import { listenGroup } from './listen.mjs';

const t0 = Date.now();
const only = (process.env.BROWSER_TESTS || '').split(',').filter(Boolean);
const browser = await launch();
note(`Chromium ${browser.version()} at ${env.chromium}, kioskd at ${env.url}`);

// Information only, from the choose page: the info slip prints, nothing
// is collected; Back leads to the choice again.
async function infoDetour(w) {
	const { page } = w;
	clearSlip();
	await w.choose('info');
	at(page, '/info', `${w.tag} choose info -> info`);
	check(await page.locator('#qr svg').count() === 1, `${w.tag} info page has the QR code (#qr svg)`);
	check(await page.locator('#print-status').count() === 1, `${w.tag} info page has #print-status`);
	const qr = await slipQR();
	const want = `SMSTO:${env.serviceNumber}:INFO`;
	check(qr === want, `${w.tag} the information slip's QR is "${want}"`, `got ${JSON.stringify(qr)}`);
	check(!(await page.locator('form input:not([type=hidden]), textarea, select').count()),
		`${w.tag} info page asks for nothing`);
	await w.audited('/info');
	await w.go('main a.back-link[href="/choose"]');
	at(page, '/choose', `${w.tag} info Back -> choose`);
}

// Not eligible: both answers no -> /outside; nothing is kept, and Back
// ("you can go back and change it") leads to the questions again.
async function outsideDetour(w) {
	const { page } = w;
	await w.choose('contact');
	await w.eligible('no', 'no');
	at(page, '/outside', `${w.tag} not eligible (no, no) -> outside`);
	check(!(await page.locator('form input:not([type=hidden]), textarea, select').count()),
		`${w.tag} outside page asks for nothing`);
	await w.audited('/outside');
	await w.go('main a.back-link');
	if (!at(page, '/eligible', `${w.tag} outside Back -> eligible, to change the answer`)) {
		// Carry on from where a visitor would have to.
		if (pathOf(page) === '/') {
			await nav(page, () => page.locator(`button[name=lang][value="${w.lang}"]`).click());
			await w.go('main a[href="/choose"]');
		} else {
			await goto(page, '/choose');
		}
		await w.choose('contact');
	}
	const kept = await page.locator('input[type=radio]:checked').count();
	check(kept === 0, `${w.tag} the eligibility answers were not kept after outside`, `${kept} still chosen`);
}

// Text size and contrast (POST /prefs) on the current page, audited.
async function prefs(w, what) {
	const { page } = w;
	const where = pathOf(page);
	await pref(page, 'contrast', 'on');
	await pref(page, 'size', 'larger');
	const info = await pageInfo(page);
	check(pathOf(page) === where && /\bcontrast\b/.test(info.bodyClass) && /\bsize-larger\b/.test(info.bodyClass),
		`${w.tag} high contrast and largest text on ${where} (back on the same page)`,
		`on ${page.url()}, body class "${info.bodyClass}"`);
	await audit(page, `${w.tag} ${where} high contrast + largest text${what ? ` (${what})` : ''}`);
	await pref(page, 'contrast', 'off');
	await pref(page, 'size', 'large');
	await audit(page, `${w.tag} ${where} large text`);
	await pref(page, 'contrast', 'off');
	await pref(page, 'size', 'normal');
	const back = await pageInfo(page);
	check(!/\bcontrast\b|\bsize-/.test(back.bodyClass), `${w.tag} normal text and colours again`, `body class "${back.bodyClass}"`);
}

// Click a preference button if the page offers it now (the current
// choice's button is hidden).
async function pref(page, name, value) {
	const b = page.locator(`button[name=${name}][value=${value}]`);
	if (await b.isVisible()) await nav(page, () => b.click());
}

// Contrast chosen on the start page, before a language.
async function startPrefs(page, tag) {
	await goto(page, '/');
	await pref(page, 'contrast', 'on');
	const info = await pageInfo(page);
	check(pathOf(page) === '/' && /\bcontrast\b/.test(info.bodyClass),
		`${tag} high contrast chosen on the start page stays on`, `on ${page.url()}, body class "${info.bodyClass}"`);
	await audit(page, `${tag} / high contrast`);
	await pref(page, 'contrast', 'off');
}

// A whole visit in one language, every page audited.
async function fullVisit(opts, v, extra = {}) {
	const { context, page } = await visitor(browser);
	try {
		const w = new Walk(page, { errors: true, ...opts });
		if (extra.prefsStart) await startPrefs(page, w.tag);
		await w.start();
		await w.about();
		await infoDetour(w);
		await outsideDetour(w);
		await w.eligible(v.happened || 'yes', v.lives || 'yes');
		await w.consent();
		await w.contact(v);
		await w.details(v);
		if (extra.prefsDetails) await prefs(w);
		await w.check(v, extra.change !== false);
		const code = await w.send(v);
		if (extra.prefsDone) await prefs(w);
		await w.finish();
		const text = await page.locator('body').innerText();
		check(!text.includes(v.name) && !text.includes(code),
			`${w.tag} after finish the start page shows nothing of the visitor`);
	} catch (e) {
		check(false, `${opts.tag}: the visit ran to its end`, String(e && e.stack || e).split('\n').slice(0, 6));
	} finally {
		await context.close();
	}
}

const groups = {
	// Reading aloud: Listen, F2, a question's Listen, speed, volume, F1.
	async listen() {
		await listenGroup(browser);
	},

	// English, Easy Read and Arabic, all the way, every page audited; one
	// of them a domestic abuse referral (specialist risk assessment).
	async flows() {
		await fullVisit({ tag: 'en', lang: 'en', builder: ['/check', '/contact with errors'] },
			randomVisitor({ crime: 'domestic_abuse' }), { prefsDetails: true, prefsStart: true });
		await fullVisit({ tag: 'en-easy', lang: 'en-easy', touch: true },
			randomVisitor({ happened: 'unsure' }), { prefsDone: true });
		await fullVisit({ tag: 'ar', lang: 'ar', rtl: true, builder: ['/details'] },
			randomVisitor({ happened: 'no', lives: 'yes' }), { prefsDetails: true });
	},

	// A second submit, by double-click and by Back then send again, is
	// still one referral.
	async double() {
		const { context, page } = await visitor(browser);
		try {
			const v = randomVisitor();
			const w = new Walk(page, { tag: 'double', lang: 'en', audit: false });
			await w.start();
			await w.about();
			await w.choose('contact');
			await w.eligible();
			await w.consent();
			await w.contact(v);
			await w.details(v);
			await w.check(v, false);
			const csrf = await page.locator('main form[action="/send"] input[name=csrf]').inputValue();
			const code = await w.send(v, { doubleClick: true });
			// Back: the check page again, or the receipt in its place.
			clearSlip();
			await page.goBack({ waitUntil: 'load' });
			const p = pathOf(page);
			if (p === '/check' && await page.locator('main form[action="/send"] button').count()) {
				await click(page, 'main form[action="/send"] button[type=submit]');
			}
			check(['/done', '/check'].includes(p), `double: Back after sending shows the receipt or the check page`, `got ${page.url()}`);
			// The same form sent again, as a stale tab would.
			await nav(page, () => page.evaluate((token) => {
				const f = document.createElement('form');
				f.method = 'post';
				f.action = '/send';
				const i = document.createElement('input');
				i.type = 'hidden';
				i.name = 'csrf';
				i.value = token;
				f.appendChild(i);
				document.body.appendChild(f);
				f.submit();
			}, csrf));
			at(page, '/done', 'double: the form sent again leads to the receipt');
			const again = ((await page.locator('#ref-code').textContent().catch(() => '')) || '').trim();
			check(again === code, 'double: the receipt shows the same reference', `first ${code}, now ${again}`);
			check(!slipExists(), 'double: no second slip printed');
			await w.finish();
		} finally {
			await context.close();
		}
	},

	exit: () => exitGroup(browser),
	keyboard: () => keyboardGroup(browser),

	// Every other language: every page, with errors shown, audited.
	async languages() {
		const langs = [['pl'], ['bn'], ['ur', true], ['so'], ['tr'], ['ro'], ['pt'], ['es']];
		const pickLangs = (process.env.BROWSER_LANGS || '').split(',').filter(Boolean);
		for (const [lang, rtl] of langs) {
			if (pickLangs.length && !pickLangs.includes(lang)) continue;
			await fullVisit({ tag: lang, lang, rtl: !!rtl, touch: lang === 'so' || lang === 'ur' },
				randomVisitor({ happened: 'yes', lives: 'no' }),
				{ change: false, prefsDetails: lang === 'ur' || lang === 'bn', prefsDone: lang === 'pl' });
		}
	},

	idle: () => idleGroup(browser),
};

async function runGroup(name, fn) {
	const g0 = Date.now();
	try {
		await fn();
	} catch (e) {
		check(false, `${name}: the group ran to its end`, String(e && e.stack || e).split('\n').slice(0, 6));
	}
	note(`${name}: ${((Date.now() - g0) / 1000).toFixed(1)} s`);
	saveRecord();
}

// The idle group mostly waits: with a kioskd of its own it runs beside
// the others (kioskd serves one visitor at a time).
const wanted = (name) => !only.length || only.includes(name);
let idle = null;
if (env.idleUrl && wanted('idle')) idle = runGroup('idle', groups.idle);
for (const [name, fn] of Object.entries(groups)) {
	if (!wanted(name) || (name === 'idle' && idle)) continue;
	await runGroup(name, fn);
}
if (idle) await idle;

// What every page of every group showed about itself.
check(watch.foreign.length === 0,
	`no request left ${new URL(env.url).host} (${watch.requests} requests)`, [...new Set(watch.foreign)]);
check(watch.headerProblems.size === 0 && watch.documents > 0,
	`security headers on all ${watch.documents} pages: CSP default-src 'self' without unsafe-inline, no-store, no-referrer, nosniff, frame denial`,
	[...watch.headerProblems].map(([p, u]) => `${p} (first at ${u})`));
check(watch.dialogs.length === 0, 'no script dialog ever opened (no typed script ran)', watch.dialogs);
check(watch.cspReports.length === 0, 'Chromium reported no Content-Security-Policy violation', watch.cspReports);

await browser.close();
record.finished = true;
saveRecord();
const { passed, failed } = counts();
note(`browser: ${passed} passed, ${failed} failed, ${axeCount()} axe runs, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
process.exit(failed ? 1 : 0);
