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

	/* Shift pressed three times within 1.5 s. */
	var shifts = [];
	document.addEventListener('keydown', function (e) {
		if (e.key !== 'Shift' || e.repeat) {
			return;
		}
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
	}

	function hide() {
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
