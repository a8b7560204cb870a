/*
 * kioskd: the idle warning, Shift three times to leave, and no pages from
 * the back/forward cache. Every page works without this file.
 */
(function () {
	'use strict';

	var ALIVE_EVERY_MS = 30000;
	var SHIFT_WINDOW_MS = 1500;

	var body = document.body;
	var exitForm = document.getElementById('quick-exit-form');

	var exiting = false;

	function quickExit() {
		if (exiting) {
			return;
		}
		exiting = true;
		if (exitForm) {
			exitForm.submit();
		} else {
			location.replace('/');
		}
	}

	/* Nothing from the back/forward cache: a page shown again from it
	 * could show an earlier visitor's answers. */
	window.addEventListener('pageshow', function (e) {
		if (e.persisted) {
			location.replace('/');
		}
	});

	/* Shift pressed three times within 1.5 s, on its own: Shift held for
	 * a capital letter or for Shift+Tab is typing, not a way out. */
	var shifts = [];
	var shiftAlone = false;
	document.addEventListener('keydown', function (e) {
		if (e.key === 'Shift') {
			if (!e.repeat) {
				shiftAlone = true;
			}
			return;
		}
		shiftAlone = false;
	}, true);
	document.addEventListener('keyup', function (e) {
		if (e.key !== 'Shift' || !shiftAlone) {
			return;
		}
		shiftAlone = false;
		var now = Date.now();
		shifts.push(now);
		shifts = shifts.filter(function (t) {
			return now - t <= SHIFT_WINDOW_MS;
		});
		if (shifts.length >= 3) {
			shifts = [];
			quickExit();
		}
	}, true);

	/* Listening: the page, or one question, read aloud clip by clip
	 * (kioskd answers 404 after the last clip). */
	var player = document.getElementById('speech');
	var playing = null;

	function stopListening() {
		if (playing) {
			playing.stopped = true;
			playing = null;
		}
		if (player) {
			player.pause();
			player.removeAttribute('src');
		}
		document.querySelectorAll('[data-listening]').forEach(function (b) {
			b.removeAttribute('data-listening');
			b.setAttribute('aria-pressed', 'false');
		});
	}

	function listen(base, button) {
		if (!player) {
			return;
		}
		var was = playing && playing.base === base;
		stopListening();
		if (was) {
			return; /* a second press stops */
		}
		var run = {base: base, n: 0, stopped: false};
		playing = run;
		if (button) {
			button.setAttribute('data-listening', '1');
			button.setAttribute('aria-pressed', 'true');
		}
		function next() {
			if (run.stopped) {
				return;
			}
			player.src = run.base + run.n + '.wav';
			run.n++;
			player.play().catch(function (err) {
				/* A newer clip took its place: not a failure. */
				if (!err || err.name !== 'AbortError') {
					stopListening();
				}
			});
		}
		player.onended = next;
		player.onerror = function () {
			stopListening();
		};
		next();
	}

	var pageName = body.getAttribute('data-page') || 'start';
	var listenPage = document.getElementById('listen-page');
	if (listenPage) {
		/* With the script it plays in place: a toggle button. Without,
		 * it is a plain link to the first clip. */
		listenPage.setAttribute('role', 'button');
		listenPage.setAttribute('aria-pressed', 'false');
		listenPage.addEventListener('click', function (e) {
			e.preventDefault();
			listen('/audio/' + pageName + '/', listenPage);
		});
	}
	document.querySelectorAll('.listen-q').forEach(function (b) {
		b.addEventListener('click', function (e) {
			e.preventDefault();
			listen('/audio/' + pageName + '/' + b.getAttribute('data-say') + '/', b);
		});
	});
	document.documentElement.classList.add('js');

	/* The keypad's keys (docs/kiosk.md): F1 the key map, F2 listen,
	 * F4 leave quickly. */
	document.addEventListener('keydown', function (e) {
		if (e.key === 'F2' && listenPage) {
			e.preventDefault();
			listen('/audio/' + pageName + '/', listenPage);
		} else if (e.key === 'F4') {
			e.preventDefault();
			quickExit();
		} else if (e.key === 'F1') {
			e.preventDefault();
			location.href = '/keys';
		}
	}, true);

	/* Idle warning. */
	var warnS = parseInt(body.getAttribute('data-idle-warn'), 10);
	var graceS = parseInt(body.getAttribute('data-idle-grace'), 10);
	var page = body.getAttribute('data-page') || '';
	var box = document.getElementById('idle-warning');
	var secs = document.getElementById('idle-seconds');
	var cont = document.getElementById('idle-continue');
	var meta = document.querySelector('meta[name="csrf"]');
	var csrf = meta ? meta.getAttribute('content') : '';

	/* The start screen holds nothing to protect. */
	if (!(warnS > 0) || !(graceS > 0) || !box || !secs || !cont ||
	    page === '' || page === 'start') {
		return;
	}

	/* kioskd wipes a visitor quiet for warn + grace seconds: an active
	 * visitor tells it well before that, however short the settings. */
	var aliveEvery = Math.min(ALIVE_EVERY_MS, warnS * 500);
	var lastActive = Date.now();
	var lastAlive = lastActive; /* this page's own request counts */
	var shownAt = 0;
	var before = null;

	function alive() {
		lastAlive = Date.now();
		if (!window.fetch) {
			return;
		}
		fetch('/alive', {
			method: 'POST',
			credentials: 'same-origin',
			headers: {'Content-Type': 'application/x-www-form-urlencoded'},
			body: 'csrf=' + encodeURIComponent(csrf)
		}).catch(function () {});
	}

	function show() {
		shownAt = Date.now();
		before = document.activeElement;
		secs.textContent = String(graceS);
		box.hidden = false;
		cont.focus();
		/* Said aloud too, for someone who cannot see it. */
		listen('/audio/idle/', null);
	}

	function hide() {
		stopListening();
		box.hidden = true;
		shownAt = 0;
		lastActive = Date.now();
		if (before && before.focus && document.contains(before)) {
			before.focus();
		}
		before = null;
	}

	function activity() {
		if (shownAt) {
			return; /* only the button continues */
		}
		lastActive = Date.now();
		if (lastActive - lastAlive >= aliveEvery) {
			alive();
		}
	}

	['pointerdown', 'keydown', 'input', 'scroll'].forEach(function (t) {
		document.addEventListener(t, activity, {capture: true, passive: true});
	});

	cont.addEventListener('click', function () {
		hide();
		alive();
	});

	/* Keep the keyboard inside the warning while it shows. */
	box.addEventListener('keydown', function (e) {
		if (e.key === 'Tab') {
			e.preventDefault();
			cont.focus();
		}
	});

	setInterval(function () {
		var now = Date.now();
		if (!shownAt) {
			if (now - lastActive >= warnS * 1000) {
				show();
			}
			return;
		}
		var left = graceS - Math.floor((now - shownAt) / 1000);
		if (left <= 0) {
			secs.textContent = '0';
			quickExit();
			return;
		}
		secs.textContent = String(left);
	}, 1000);
})();
