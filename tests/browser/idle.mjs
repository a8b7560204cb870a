// Walking away: after idle_warning_seconds of nothing, #idle-warning asks
// "are you still there?" with a countdown of idle_grace_seconds (at least
// 20); "continue" (#idle-continue) keeps the session; left alone, the
// screen clears to / and the daemon has forgotten the visitor. Without
// JavaScript the daemon's own timer wipes the session all the same.
import { audit, check, env, goto, note, pathOf, randomVisitor, record, remember, visitor } from './lib.mjs';
import { at, Walk } from './flow.mjs';
import { getWithCookie, sessionCookie, traceless } from './exit.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function toContact(page, tag, v, audit = false) {
	const w = new Walk(page, { tag, lang: 'en', audit });
	await w.start();
	await w.about();
	await w.choose('contact');
	await w.eligible();
	await w.consent();
	await w.contact(v);
	at(page, '/details', `${tag} reached the details page`);
	remember(v);
	return w;
}

// Polled four times a second (a locator wait would poll every frame and
// take CPU from the tests running beside this one).
async function waitWarning(page, maxS) {
	const t = Date.now();
	while (Date.now() - t < maxS * 1000) {
		if (await page.locator('#idle-warning').isVisible()) return (Date.now() - t) / 1000;
		await sleep(250);
	}
	throw new Error(`no #idle-warning within ${maxS} s`);
}

export async function idleGroup(browser) {
	const base = env.idleUrl || env.url;
	const warn = env.idleWarn;
	const grace = env.idleGrace;
	const secrets = [];
	{
		const { context, page } = await visitor(browser, { url: base });
		try {
			const v = randomVisitor();
			secrets.push(v.name, v.phone.typed);
			await toContact(page, 'idle', v);
			check(await page.locator('#idle-warning').isHidden(), 'idle: no warning while the visitor is active');
			// 1. Quiet: the warning comes after about idle_warning_seconds.
			const s1 = await waitWarning(page, warn + 10);
			check(s1 >= warn - 1 && s1 <= warn + 3, `idle: #idle-warning shows after ~${warn} s of nothing`, `after ${s1.toFixed(1)} s`);
			const shown = Number((await page.locator('#idle-seconds').textContent()).trim());
			check(shown >= Math.min(grace, 20) - 1 && grace >= 20,
				`idle: the countdown starts at ${grace} s (at least 20)`, `shows ${shown}`);
			const focus = await page.evaluate(() => document.activeElement && document.activeElement.id);
			check(focus === 'idle-continue', 'idle: the continue button has the focus', `focus on "${focus}"`);
			await audit(page, 'idle warning shown on /details');
			await page.waitForTimeout(1500);
			const later = Number((await page.locator('#idle-seconds').textContent()).trim());
			check(later < shown && later > 0, 'idle: the countdown counts down', `${shown} then ${later}`);
			// 2. Continue keeps everything.
			await page.locator('#idle-continue').click();
			check(await page.locator('#idle-warning').isHidden(), 'idle: continue hides the warning');
			check(pathOf(page) === '/details', 'idle: continue stays on the page', page.url());
			await page.waitForTimeout(300); // the /alive request
			await goto(page, '/contact');
			check(await page.locator('#name').inputValue() === v.name,
				'idle: after continue the session still has the answers');
			const cookie = await sessionCookie(context, base);
			// 3. Left alone past the grace: back to the start, nothing left.
			const s2 = await waitWarning(page, warn + 10);
			const t = Date.now();
			while (pathOf(page) !== '/' && Date.now() - t < (grace + 15) * 1000) await sleep(250);
			await page.waitForLoadState('load');
			const gone = (Date.now() - t) / 1000;
			note(`idle: warning after ${s2.toFixed(1)} s, start page ${gone.toFixed(1)} s later`);
			check(gone >= grace - 1.5 && gone <= grace + 5,
				`idle: the screen clears ${grace} s after the warning`, `after ${gone.toFixed(1)} s`);
			at(page, '/', 'idle: lands on the start page');
			await traceless(page, secrets, 'idle: on the start page');
			await goto(page, '/check');
			check(pathOf(page) === '/', 'idle: /check afterwards leads to the start page', page.url());
			await traceless(page, secrets, 'idle: /check afterwards');
			const r = await getWithCookie('/check', cookie, base);
			check(r.status === 303 && r.location === '/' && !secrets.some((s) => r.body.includes(s)),
				'idle: the daemon forgot: GET /check with the old cookie is 303 to / with no answers',
				`got ${r.status} ${r.location}`);
		} finally {
			await context.close();
		}
	}
	// Without JavaScript (or with the browser gone): kioskd's own timer.
	{
		const { context, page } = await visitor(browser, { url: base, javaScript: false });
		try {
			const v = randomVisitor();
			await toContact(page, 'idle no-js', v);
			const cookie = await sessionCookie(context, base);
			await goto(page, '/contact');
			check(await page.locator('#name').inputValue() === v.name,
				'idle no-js: the session is there before the wait');
			// kioskd waits the warning, its grace, the page's longest gap
			// between reports of activity (min(30, warn / 2), rounded
			// up: kiosk.js) and 2 s more; then a second or two of slack.
			const wait = warn + grace + Math.min(30, Math.ceil(warn / 2)) + 2 + 2;
			note(`idle no-js: waiting ${wait} s for kioskd's own idle wipe`);
			await sleep(wait * 1000);
			const r = await getWithCookie('/contact', cookie, base);
			check(r.status === 303 && r.location === '/' && !r.body.includes(v.name),
				`idle no-js: after ${wait} s kioskd wiped the session by itself (303 to /)`,
				`got ${r.status} ${r.location}`);
		} finally {
			await context.close();
		}
	}
}
