// The visitor's walk through kioskd's pages, one step a function, with the
// form field names and element ids of docs/kiosk.md. Each step clicks like
// a visitor would and checks where it landed.
import fs from 'node:fs';
import path from 'node:path';
import {
	audit, axeBuilder, check, clearSlip, env, goto, nav, pageInfo, pathOf,
	randomMobile, RISK, record, remember, SCRIPT, slipExists, slipQR,
} from './lib.mjs';

// Where a step must land.
export function at(page, want, what) {
	const got = pathOf(page);
	return check(got === want, `${what}: on ${want}`, got !== want ? `got ${page.url()}` : '');
}

// Options: tag (names the run in the report), lang (a language code or
// en-easy), audit (axe and touch targets on every page), errors (show
// each form's errors once, and audit those too).
export class Walk {
	constructor(page, opts) {
		this.page = page;
		this.tag = opts.tag;
		this.lang = opts.lang;
		this.audit = opts.audit !== false;
		this.errors = !!opts.errors;
		this.rtl = opts.rtl || false;
		this.builder = opts.builder || [];
		this.touch = !!opts.touch;
		this.htmlLang = opts.htmlLang || (opts.lang === 'en-easy' ? 'en' : opts.lang);
	}

	// Follow a link or press a button: a tap on the touchscreen, or a click.
	async go(selector) {
		const l = this.page.locator(selector).first();
		await nav(this.page, () => (this.touch ? l.tap() : l.click()));
	}

	// Audit a page in a state once a walk (the eligibility questions come
	// twice, around the outside detour).
	async audited(what) {
		this.seen = this.seen || new Set();
		if (this.seen.has(what)) return;
		this.seen.add(what);
		if (this.audit) await audit(this.page, `${this.tag} ${what}`);
		if (this.audit && this.builder.includes(what)) await axeBuilder(this.page, `${this.tag} ${what}`);
	}

	async start() {
		const { page } = this;
		await goto(page, '/');
		at(page, '/', `${this.tag} start`);
		const info = await pageInfo(page);
		check(info.page === 'start', `${this.tag} start page is the start page`, JSON.stringify(info));
		await this.audited('/');
		const b = page.locator(`button[name=lang][value="${this.lang}"]`);
		check(await b.count() === 1, `${this.tag} start offers ${this.lang}`);
		await nav(page, () => (this.touch ? b.tap() : b.click()));
		at(page, '/about', `${this.tag} language chosen`);
		const ai = await pageInfo(page);
		check(ai.lang === this.htmlLang, `${this.tag} page language is ${this.htmlLang}`, `got lang=${ai.lang}`);
		check(ai.dir === (this.rtl ? 'rtl' : 'ltr'), `${this.tag} page direction is ${this.rtl ? 'rtl' : 'ltr'}`, `got dir=${ai.dir}`);
		await this.inLanguage();
		if (this.rtl) {
			const d = await page.evaluate(() => getComputedStyle(document.body).direction);
			check(d === 'rtl', `${this.tag} text runs right to left`, `computed direction ${d}`);
		}
		await this.audited('/about');
	}

	// The about page's words are this language's (content/LANG/kiosk.json,
	// or kiosk_easy.json for Easy Read), not a fallback.
	async inLanguage() {
		if (!env.content) return;
		const file = this.lang === 'en-easy' ? path.join(env.content, 'en', 'kiosk_easy.json')
			: path.join(env.content, this.lang, 'kiosk.json');
		const t = JSON.parse(fs.readFileSync(file, 'utf8'));
		const norm = (x) => (x || '').replace(/\s+/g, ' ').trim();
		const h1 = norm(await this.page.locator('main h1').first().textContent());
		const lead = norm(await this.page.locator('main p.lead').first().textContent());
		check(h1 === norm(t.about_title) && (/[{}]/.test(t.about_intro) || lead === norm(t.about_intro)),
			`${this.tag} the about page is in ${this.lang} (${path.basename(file)})`,
			`h1 "${h1}" lead "${lead.slice(0, 60)}"`, `want "${t.about_title}" "${norm(t.about_intro).slice(0, 60)}"`);
	}

	async about() {
		await this.go('main a[href="/choose"]');
		at(this.page, '/choose', `${this.tag} about -> choose`);
		await this.audited('/choose');
	}

	async choose(choice) {
		await this.go(`button[name=choice][value=${choice}]`);
	}

	async eligible(happened = 'yes', lives = 'yes') {
		const { page } = this;
		at(page, '/eligible', `${this.tag} choose contact -> eligible`);
		await this.audited('/eligible');
		if (this.errors) {
			await this.go('main form[action="/eligible"] button[type=submit]');
			check(await page.locator('#error-summary').count() === 1,
				`${this.tag} eligible with nothing chosen shows the error summary`);
			await this.audited('/eligible with errors');
		}
		await page.locator(`#happened-${happened}`).check();
		await page.locator(`#lives-${lives}`).check();
		await this.go('main form[action="/eligible"] button[type=submit]');
	}

	async consent() {
		const { page } = this;
		at(page, '/consent', `${this.tag} eligible -> consent`);
		check(!(await page.locator('#agree-yes').isChecked()),
			`${this.tag} consent box is not ticked in advance`);
		await this.audited('/consent');
		if (this.errors) {
			await this.go('main form[action="/consent"] button[type=submit]');
			check(pathOf(page) === '/consent' && await page.locator('#error-summary').count() === 1,
				`${this.tag} consent without the tick shows the error summary`);
			await this.audited('/consent with errors');
		}
		await page.locator('#agree-yes').check();
		await this.go('main form[action="/consent"] button[type=submit]');
	}

	async contact(v) {
		const { page } = this;
		at(page, '/contact', `${this.tag} consent -> contact`);
		await this.audited('/contact');
		if (this.errors) {
			const resp = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/contact'));
			await this.go('main form[action="/contact"] button[type=submit]');
			const st = (await resp).status();
			check(pathOf(page) === '/contact' && await page.locator('#error-summary').count() === 1,
				`${this.tag} contact sent empty shows the error summary (HTTP ${st})`);
			// The summary's links lead to the fields.
			const hrefs = await page.locator('#error-summary a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
			const dangling = [];
			for (const h of hrefs)
				if (!h.startsWith('#') || await page.locator(h).count() !== 1) dangling.push(h);
			check(hrefs.length > 0 && dangling.length === 0,
				`${this.tag} each error links to its field`, dangling.map((d) => `no target for ${d}`));
			await this.audited('/contact with errors');
		}
		await page.locator('#name').fill(v.name);
		await page.locator('#m_text-yes').check();
		await page.locator('#phone').fill(v.phone.typed);
		if (v.email) {
			await page.locator('#m_email-yes').check();
			await page.locator('#email').fill(v.email);
		}
		await page.locator('#t_evening-yes').check();
		await page.locator('#voicemail-no').check();
		await this.go('main form[action="/contact"] button[type=submit]');
	}

	async details(v) {
		const { page } = this;
		at(page, '/details', `${this.tag} contact -> details`);
		await this.audited('/details');
		await page.locator(`#crime-${v.crime}`).check();
		await page.locator('#borough').selectOption(v.borough);
		await page.locator('#other_needs').fill(v.otherNeeds);
		await this.go('main form[action="/details"] button[type=submit]');
	}

	// The check page: every answer shown, escaped; one Change link used.
	async check(v, change = true) {
		const { page } = this;
		at(page, '/check', `${this.tag} details -> check`);
		await this.checkShows(v, 'check');
		await this.audited('/check');
		if (change) {
			// Change the contact details: a new number, then back.
			await this.go('main a.change-link[href="/contact"]');
			at(page, '/contact', `${this.tag} Change link -> contact`);
			check(await page.locator('#name').inputValue() === v.name,
				`${this.tag} the contact page keeps the name typed`);
			check(await page.locator('#m_text-yes').isChecked(),
				`${this.tag} the contact page keeps the methods ticked`);
			remember(v);
			v.phone = randomMobile();
			await page.locator('#phone').fill(v.phone.typed);
			await this.go('main form[action="/contact"] button[type=submit]');
			at(page, '/check', `${this.tag} after the change, back on check`);
			await this.checkShows(v, 'check after the change');
		}
	}

	async checkShows(v, what) {
		const { page } = this;
		const text = await page.locator('main').innerText();
		const html = await page.content();
		const missing = [];
		for (const [k, s] of [['name', v.name], ['phone', v.phone.typed.replace(/\s+/g, ' ')],
			['email', v.email], ['other needs', v.otherNeeds]])
			if (s && !text.includes(s) && !text.replace(/\s+/g, '').includes(s.replace(/\s+/g, '')))
				missing.push(`${k} "${s}" not shown`);
		check(missing.length === 0, `${this.tag} ${what} shows what was typed`, missing);
		const scripts = await page.evaluate(() => [...document.scripts].map((s) => s.src || '(inline)'));
		check(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;') &&
			!html.includes(SCRIPT) && !html.includes('<b>bold</b>') &&
			scripts.length === 1 && scripts[0].endsWith('/static/kiosk.js'),
		`${this.tag} ${what} shows the <script> typed as text, escaped`,
		`scripts on the page: ${scripts.join(' ')}`);
	}

	// Send; the receipt shows the code and QR, the slip prints with it.
	async send(v, opts = {}) {
		const { page } = this;
		clearSlip();
		const btn = 'main form[action="/send"] button[type=submit]';
		if (opts.doubleClick) {
			await nav(page, () => page.locator(btn).dblclick());
			await page.waitForURL('**/done', { timeout: 15000 }).catch(() => {});
			await page.waitForLoadState('load');
		} else {
			await this.go(btn);
		}
		at(page, '/done', `${this.tag} send -> done`);
		const code = ((await page.locator('#ref-code').textContent().catch(() => '')) || '').trim();
		check(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]+$/.test(code),
			`${this.tag} receipt shows a reference code in #ref-code`, `got "${code}"`);
		const svg = await page.locator('#qr svg').count();
		check(svg === 1, `${this.tag} receipt has the QR code as an inline svg in #qr`);
		check(await page.locator('#print-status').count() === 1,
			`${this.tag} receipt has #print-status`);
		const qr = await slipQR();
		const want = `SMSTO:${env.serviceNumber}:REF ${code}`;
		check(qr === want, `${this.tag} the printed slip's QR is "${want}"`, `got ${JSON.stringify(qr)}`);
		await this.audited('/done');
		record.referrals.push({
			tag: this.tag,
			ref: code,
			expect: {
				language: this.htmlLang,
				content_lang: this.lang === 'en-easy' ? 'en' : this.lang,
				easy_read: this.lang === 'en-easy',
				name: v.name,
				phone: v.phone.e164,
				email: v.email,
				methods: v.email ? ['text', 'email'] : ['text'],
				borough: v.borough,
				crime: v.crime,
				other_needs: v.otherNeeds,
				risk_assessment: RISK.has(v.crime),
			},
		});
		remember(v);
		return code;
	}

	async finish() {
		await this.go('main form[action="/finish"] button[type=submit]');
		at(this.page, '/', `${this.tag} finish -> start`);
	}
}

export { slipExists };
