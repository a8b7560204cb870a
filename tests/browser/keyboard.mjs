// The whole English flow with the keyboard only: Tab, Shift+Tab, Space,
// Enter and the arrow keys to move and choose, typing into text fields; no
// click, no fill. What has the focus is read back at each step, and every
// focused control must show it (WCAG 2.4.7).
import {
	check, clearSlip, env, goto, pathOf, randomVisitor, record, remember, RISK, slipQR, visitor,
} from './lib.mjs';

const MAX_TABS = 120;

export async function keyboardGroup(browser) {
	const { context, page } = await visitor(browser);
	const unseen = []; // focused controls with no visible focus style
	let presses = 0;

	const active = () => page.evaluate(() => {
		const a = document.activeElement;
		if (!a || a === document.body) return null;
		const cs = getComputedStyle(a);
		const visible = (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0) ||
			cs.boxShadow !== 'none';
		let d = a.tagName.toLowerCase();
		if (a.id) d += `#${a.id}`;
		if (a.name) d += `[name=${a.name}]`;
		if (a.value && a.tagName === 'BUTTON') d += `[value=${a.value}]`;
		return { d, visible };
	});
	const matches = (sel) => page.evaluate((s) => !!document.activeElement && document.activeElement.matches(s), sel);

	// Tab (or Shift+Tab) until the focus is on sel.
	async function tabTo(sel, back = false) {
		for (let i = 0; i < MAX_TABS; i++) {
			if (await matches(sel)) {
				const a = await active();
				if (a && !a.visible) unseen.push(`${a.d} on ${pathOf(page)}`);
				return true;
			}
			await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
			presses++;
		}
		throw new Error(`keyboard: no ${sel} within ${MAX_TABS} ${back ? 'Shift+Tab' : 'Tab'} presses on ${page.url()}`);
	}
	// Press a key that submits or follows, and wait for the next page.
	async function pressNav(key, wantPath) {
		const loaded = page.waitForEvent('load', { timeout: 15000 });
		await page.keyboard.press(key);
		await loaded;
		check(pathOf(page) === wantPath, `keyboard: ${key} leads to ${wantPath}`, `got ${page.url()}`);
	}

	try {
		const v = randomVisitor({ crime: 'domestic_abuse', borough: 'camden' });
		await goto(page, '/');
		// The first Tab reaches the skip link.
		await page.keyboard.press('Tab');
		const first = await active();
		check(first && /skip-link|a\b/.test(first.d) && await matches('a.skip-link'),
			'keyboard: the first Tab is the skip link', `got ${first && first.d}`);
		await tabTo('button[name=lang][value=en]');
		await pressNav('Enter', '/about');
		await tabTo('main a[href="/choose"]');
		await pressNav('Enter', '/choose');
		await tabTo('button[name=choice][value=contact]');
		await pressNav('Space', '/eligible');

		// Radios: Tab into a group, Space chooses; arrows move within it.
		await tabTo('#happened-yes');
		await page.keyboard.press('Space');
		await page.keyboard.press('ArrowDown'); // -> no
		await page.keyboard.press('ArrowUp'); // -> yes again
		check(await page.locator('#happened-yes').isChecked(), 'keyboard: Space and arrows choose "happened in London: yes"');
		await tabTo('#lives-yes');
		await page.keyboard.press('Space');
		await tabTo('main form[action="/eligible"] button[type=submit]');
		await pressNav('Enter', '/consent');

		await tabTo('#agree-yes');
		await page.keyboard.press('Space');
		check(await page.locator('#agree-yes').isChecked(), 'keyboard: Space ticks the consent box');
		await tabTo('main form[action="/consent"] button[type=submit]');
		await pressNav('Enter', '/contact');

		await tabTo('#name');
		await page.keyboard.type(v.name);
		await tabTo('#m_text-yes');
		await page.keyboard.press('Space');
		await tabTo('#phone');
		await page.keyboard.type(v.phone.typed);
		// Tab on, Shift+Tab back to the phone number: still as typed.
		await page.keyboard.press('Tab');
		await page.keyboard.press('Shift+Tab');
		check(await matches('#phone') && await page.locator('#phone').inputValue() === v.phone.typed,
			'keyboard: Shift+Tab goes back to the phone number as typed');
		await tabTo('#t_morning-yes');
		await page.keyboard.press('Space');
		await tabTo('#voicemail-yes');
		await page.keyboard.press('Space');
		await tabTo('main form[action="/contact"] button[type=submit]');
		await pressNav('Enter', '/details');

		// domestic_abuse is the 7th crime: six ArrowDowns from the first.
		await tabTo('#crime-violence');
		await page.keyboard.press('Space');
		for (let i = 0; i < 6; i++) await page.keyboard.press('ArrowDown');
		check(await page.locator('#crime-domestic_abuse').isChecked(), 'keyboard: arrows choose the crime (domestic abuse)');
		await tabTo('#borough');
		// camden: the 6th borough, after the empty choice.
		for (let i = 0; i < 6; i++) await page.keyboard.press('ArrowDown');
		const borough = await page.locator('#borough').inputValue();
		check(borough === v.borough, 'keyboard: arrows choose the borough in the closed list', `got "${borough}"`);
		await tabTo('#other_needs');
		await page.keyboard.type(v.otherNeeds);
		await tabTo('main form[action="/details"] button[type=submit]');
		await pressNav('Enter', '/check');

		const text = await page.locator('main').innerText();
		check(text.includes(v.name) && text.includes(v.otherNeeds), 'keyboard: the check page shows what was typed');
		await tabTo('main form[action="/send"] button[type=submit]');
		clearSlip();
		await pressNav('Enter', '/done');
		const code = ((await page.locator('#ref-code').textContent()) || '').trim();
		check(/^[0-9A-Z]{4}-/.test(code), 'keyboard: the receipt shows the reference', code);
		const qr = await slipQR();
		check(qr === `SMSTO:${env.serviceNumber}:REF ${code}`, 'keyboard: the slip prints with the reference', `got ${JSON.stringify(qr)}`);
		record.referrals.push({
			tag: 'keyboard',
			ref: code,
			expect: {
				language: 'en', content_lang: 'en', easy_read: false,
				name: v.name, phone: v.phone.e164, methods: ['text'],
				borough: v.borough, crime: v.crime, other_needs: v.otherNeeds,
				risk_assessment: RISK.has(v.crime),
			},
		});
		remember(v);
		await tabTo('main form[action="/finish"] button[type=submit]');
		await pressNav('Enter', '/');
		// The quick exit is reachable early: within the first few Tabs.
		await page.keyboard.press('Tab');
		let n = 1;
		while (!(await matches('#quick-exit')) && n < 4) {
			await page.keyboard.press('Tab');
			n++;
		}
		check(await matches('#quick-exit'), `keyboard: the quick exit is among the first Tabs (${n})`);
		check(unseen.length === 0, `keyboard: every focused control shows its focus (${presses} Tabs in all)`, unseen);
	} finally {
		await context.close();
	}
}
