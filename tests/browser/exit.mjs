// Quick exit, by the button (#quick-exit) and by Shift pressed three
// times: the start page at once, and afterwards nothing of the visitor
// anywhere: not after reload, not by the browser's Back, not on a fresh
// page, not at /check or /contact, not with the old cookie.
import {
	check, click, env, goto, note, pathOf, randomVisitor, record, remember, visitor,
} from './lib.mjs';
import { at, Walk } from './flow.mjs';

// The session cookie the context holds now.
export async function sessionCookie(context, base = env.url) {
	const c = (await context.cookies(base)).find((k) => k.name === 'rjk');
	return c ? c.value : '';
}

// GET path with only this cookie, no redirects followed.
export async function getWithCookie(path, cookie, base = env.url) {
	const r = await fetch(new URL(path, base), {
		redirect: 'manual',
		headers: cookie ? { Cookie: `rjk=${cookie}` } : {},
	});
	return { status: r.status, location: r.headers.get('location'), body: await r.text() };
}

// Nothing the visitor typed is in what the page shows or holds.
export async function traceless(page, secrets, what) {
	const found = await page.evaluate((s) => {
		const text = document.documentElement.outerHTML + '\n' +
			[...document.querySelectorAll('input, textarea, select')].map((e) => e.value).join('\n');
		return s.filter((x) => x && text.includes(x));
	}, secrets);
	return check(found.length === 0, `${what}: nothing of the visitor on ${pathOf(page)}`, found.map((f) => `found "${f}"`));
}

// Into the flow as far as the details page, with things typed there too.
async function visitToDetails(page, tag, v) {
	const w = new Walk(page, { tag, lang: 'en', audit: false });
	await w.start();
	await w.about();
	await w.choose('contact');
	await w.eligible();
	await w.consent();
	await w.contact(v);
	at(page, '/details', `${tag} reached the details page`);
	await page.locator('#other_needs').fill(v.otherNeeds);
	await page.locator('#borough').selectOption(v.borough);
	return w;
}

async function afterExit(context, page, tag, v, oldCookie) {
	const secrets = [v.name, v.phone.typed, v.phone.typed.replace(/\s/g, ''), v.otherNeeds.split(' ')[1]];
	remember(v);
	at(page, '/', `${tag} lands on the start page`);
	await traceless(page, secrets, `${tag} at once`);
	const newCookie = await sessionCookie(context);
	check(newCookie && newCookie !== oldCookie, `${tag} a new session cookie replaces the old one`);
	await page.reload({ waitUntil: 'load' });
	await traceless(page, secrets, `${tag} after reload`);
	// Back, as far as the browser will go.
	for (let i = 0; i < 3; i++) {
		await page.goBack({ waitUntil: 'load' }).catch(() => null);
		await traceless(page, secrets, `${tag} after Back x${i + 1}`);
	}
	for (const p of ['/check', '/contact', '/details']) {
		await goto(page, p);
		const path = pathOf(page);
		check(path === '/', `${tag} ${p} afterwards leads to the start page`, `got ${page.url()}`);
		await traceless(page, secrets, `${tag} ${p} afterwards`);
	}
	const fresh = await context.newPage();
	await goto(fresh, '/');
	await traceless(fresh, secrets, `${tag} a fresh page`);
	await fresh.close();
	// The daemon forgot too: the old cookie gets nothing.
	for (const p of ['/check', '/contact']) {
		const r = await getWithCookie(p, oldCookie);
		const leaked = secrets.filter((s) => s && r.body.includes(s));
		check(r.status === 303 && r.location === '/' && leaked.length === 0,
			`${tag} GET ${p} with the old cookie: 303 to / and no answers`,
			`got ${r.status} location ${r.location}`, leaked.map((s) => `body has "${s}"`));
	}
}

export async function exitGroup(browser) {
	// By the button.
	{
		const { context, page } = await visitor(browser);
		try {
			const v = randomVisitor();
			await visitToDetails(page, 'exit button', v);
			const old = await sessionCookie(context);
			const t = Date.now();
			await click(page, '#quick-exit');
			note(`quick exit by the button took ${Date.now() - t} ms`);
			await afterExit(context, page, 'exit button', v, old);
		} finally {
			await context.close();
		}
	}
	// By Shift three times, focus in a text field.
	{
		const { context, page } = await visitor(browser);
		try {
			const v = randomVisitor();
			await visitToDetails(page, 'exit shift', v);
			await page.locator('#other_needs').focus();
			const old = await sessionCookie(context);
			const loaded = page.waitForEvent('load', { timeout: 5000 });
			await page.keyboard.press('Shift');
			await page.keyboard.press('Shift');
			await page.keyboard.press('Shift');
			await loaded.catch(() => {});
			await page.waitForURL((u) => u.pathname === '/', { timeout: 5000 }).catch(() => {});
			await afterExit(context, page, 'exit shift', v, old);
		} finally {
			await context.close();
		}
	}
	// "Leave" on the choose page ends the visit the same way.
	{
		const { context, page } = await visitor(browser);
		try {
			const w = new Walk(page, { tag: 'leave', lang: 'pl', audit: false });
			await w.start();
			await w.about();
			const old = await sessionCookie(context);
			await w.choose('leave');
			at(page, '/', 'leave: choice=leave lands on the start page');
			const r = await getWithCookie('/choose', old);
			check(r.status === 303 && r.location === '/', 'leave: the old session is gone (GET /choose with its cookie is 303 to /)',
				`got ${r.status} ${r.location}`);
			const info = await page.evaluate(() => document.documentElement.lang);
			check(info === 'en', 'leave: the start page is neutral again (not in the language chosen)', `lang=${info}`);
		} finally {
			await context.close();
		}
	}
	// Two Shifts are not an exit; nor is Shift held for Shift+Tab, Shift+letter.
	{
		const { context, page } = await visitor(browser);
		try {
			const v = randomVisitor();
			await visitToDetails(page, 'two shifts', v);
			await page.keyboard.press('Shift');
			await page.keyboard.press('Shift');
			await page.waitForTimeout(600);
			check(pathOf(page) === '/details', 'Shift pressed twice does not leave', `on ${page.url()}`);
			await page.waitForTimeout(1600);
			await page.locator('#other_needs').focus();
			for (const k of ['Shift+Tab', 'Shift+Tab', 'Shift+Tab']) await page.keyboard.press(k);
			await page.waitForTimeout(800);
			check(pathOf(page) === '/details' && await page.locator('#other_needs').inputValue() === v.otherNeeds,
				'Shift+Tab three times (going back three fields) does not leave',
				`on ${page.url()}`);
			if (pathOf(page) !== '/details') await visitToDetails(page, 'two shifts again', v);
			await page.waitForTimeout(1600);
			await page.locator('#other_needs').focus();
			for (const k of ['Shift+KeyA', 'Shift+KeyB', 'Shift+KeyC']) await page.keyboard.press(k);
			await page.waitForTimeout(800);
			check(pathOf(page) === '/details', 'typing three capital letters with Shift does not leave', `on ${page.url()}`);
			await click(page, '#quick-exit');
			remember(v);
		} finally {
			await context.close();
		}
	}
}
