// Reading aloud in the browser: the page's Listen (button and F2) plays
// its clips in order through the page's audio element, a question's own
// Listen plays that question, speed and volume are chosen on screen, and
// the key map page (F1) passes axe. The audio itself is checked in
// tests/unit (valid, not silent, the right voice).
import { audit, check, goto, nav, pathOf, visitor } from './lib.mjs';

// Resolve with the first /audio/ response whose URL matches.
function audioResponse(page, re) {
	return page.waitForResponse((r) => re.test(new URL(r.url()).pathname), { timeout: 10000 });
}

export async function listenGroup(browser) {
	const { context, page } = await visitor(browser);
	try {
		await goto(page, '/');
		await nav(page, () => page.locator('button[name=lang][value="ar"]').click());
		check(pathOf(page) === '/about', 'listen: Arabic chosen, on /about');

		let wait = audioResponse(page, /^\/audio\/about\/0\.wav$/);
		await page.locator('#listen-page').click();
		let r = await wait;
		check(r.status() === 200 && /audio\/wav/.test(r.headers()['content-type'] || ''),
			'listen: the Listen button fetches the page\'s first clip as audio/wav');
		check((r.headers()['x-speech-voice'] || '') === 'ar', 'listen: an Arabic page is read with the Arabic voice',
			`got ${r.headers()['x-speech-voice']}`);
		check(await page.locator('#listen-page[aria-pressed="true"]').count() === 1,
			'listen: the Listen button shows it is playing');
		const st = await page.evaluate(() => new Promise((res) => setTimeout(() => {
			const a = document.getElementById('speech');
			res({ src: a.src, paused: a.paused, err: a.error && a.error.code, t: a.currentTime, d: a.duration });
		}, 1500)));
		check(/\/audio\/about\/\d+\.wav$/.test(st.src) && !st.err, 'listen: the audio element plays the clip (no media error)', JSON.stringify(st));
		wait = audioResponse(page, /^\/audio\/about\/1\.wav$/);
		await page.evaluate(() => document.getElementById('speech').dispatchEvent(new Event('ended')));
		r = await wait;
		check(r.status() === 200, 'listen: the next clip follows when one ends');
		await page.locator('#listen-page').click();
		check(await page.locator('#listen-page[aria-pressed="true"]').count() === 0,
			'listen: pressing Listen again stops');

		// F2 from the keyboard, on the next page; a question's own Listen.
		await nav(page, () => page.locator('main a[href="/choose"]').click());
		wait = audioResponse(page, /^\/audio\/choose\/0\.wav$/);
		await page.keyboard.press('F2');
		r = await wait;
		check(r.status() === 200, 'listen: F2 reads the page aloud');
		await nav(page, () => page.locator('button[name=choice][value=contact]').click());
		wait = audioResponse(page, /^\/audio\/eligible\/q-happened\/0\.wav$/);
		await page.locator('#q-happened .listen-q').click();
		r = await wait;
		check(r.status() === 200, 'listen: a question\'s Listen reads that question');

		// Speed and volume, kept for the visit and shown as chosen.
		await nav(page, () => page.locator('button[name=rate][value=slow]').click());
		await nav(page, () => page.locator('button[name=volume][value=loud]').click());
		const cls = await page.evaluate(() => document.body.className);
		check(/rate-slow/.test(cls) && /volume-loud/.test(cls), 'listen: slower speed and louder volume stay chosen', cls);
		await audit(page, 'listen ar /eligible with speed and volume chosen');

		// The key map: F1 opens it, and it passes axe.
		await nav(page, () => page.keyboard.press('F1'));
		check(pathOf(page) === '/keys', 'listen: F1 shows the key map');
		await audit(page, 'listen ar /keys');
	} finally {
		await context.close();
	}
}
