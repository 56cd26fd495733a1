#!/usr/bin/env python
"""Open the built course website in a headless Chromium and check what a reader would see.

    python tools/site/browser_test.py [--site _site] [--chromium PATH] [--driver PATH] [--lesson NN_name]

The site is served by Python's http.server on 127.0.0.1 (a free port) and driven with Selenium and
chromedriver (Debian: `apt-get install chromium chromium-driver`). The pages expected are the home page and
one page per `nbs/NN_name.ipynb` (from the layout, not only from the builder's manifest). On every page:
the page itself and everything it loads come back 200 from the local server (no 404), nothing is fetched from
another host, no image is broken (naturalWidth 0), no output shows a Python traceback; lesson pages show the
run line, the Colab badge pointing at their notebook, previous/next links in lesson order and the module's
API. Every same-site link found is requested once (no missing page), and the search page finds a lesson.
Screenshots of the home page and of one lesson (its top, and its first picture) go to `SITE/_screenshots/`.
Exit status 0 when everything holds, 1 otherwise (each problem printed)."""
from __future__ import annotations

import argparse
import functools
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))
from build import lesson_paths, read_settings  # noqa: E402

CHROMIUM_FLAGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
                  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage',
                  '--disable-default-apps', '--disable-extensions', '--window-size=1280,900',
                  '--force-device-scale-factor=1']
TRACEBACK = re.compile(r'Traceback \(most recent call last\)')


class Recorder:
    "Every request the local server answered: (path, status), in order."
    def __init__(self): self.lock, self.log = threading.Lock(), []
    def add(self, path, status):
        with self.lock: self.log.append((path, int(status)))
    def since(self, n): 
        with self.lock: return self.log[n:]
    def __len__(self):
        with self.lock: return len(self.log)


def serve(site: Path, rec: Recorder) -> ThreadingHTTPServer:
    class Handler(SimpleHTTPRequestHandler):
        def log_request(self, code='-', size='-'):
            try: rec.add(urllib.parse.urlsplit(self.path).path, code)
            except (TypeError, ValueError): rec.add(self.path, 0)
        def log_message(self, *args): pass
    class Server(ThreadingHTTPServer):
        def handle_error(self, request, client_address):     # a browser that drops a connection is not a failure
            if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
                super().handle_error(request, client_address)
    srv = Server(('127.0.0.1', 0), functools.partial(Handler, directory=str(site)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def which(*names) -> str | None:
    for n in names:
        if n and (Path(n).is_file() or shutil.which(n)): return str(Path(n)) if Path(n).is_file() else shutil.which(n)
    return None


def start_browser(chromium: str, driver: str, profile: str):
    os.environ.setdefault('SE_OFFLINE', 'true')        # Selenium Manager must not look anything up
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for f in CHROMIUM_FLAGS + [f'--user-data-dir={profile}']: opts.add_argument(f)
    d = webdriver.Chrome(service=Service(executable_path=driver), options=opts)
    d.set_page_load_timeout(90)
    d.set_script_timeout(60)
    return d


WAIT_IMAGES = """
const done = arguments[arguments.length - 1];
const imgs = [...document.images];
imgs.forEach(i => { i.loading = 'eager'; });
Promise.all(imgs.map(i => i.complete ? null : new Promise(r => { i.onload = i.onerror = r; setTimeout(r, 20000); })))
  .then(() => done(imgs.length));
"""

WAIT_MATH = """
const done = arguments[arguments.length - 1];
const n = document.querySelectorAll('.math').length;
const report = state => done({math: n, state: state,
  rendered: document.querySelectorAll('.MathJax, .MathJax_Display, .MathJax_CHTML, mjx-container').length,
  errors: document.querySelectorAll('.MathJax_Error, .merror, mjx-merror').length
          + (document.body.innerText.includes('Math Processing Error') ? 1 : 0)});
if (!n) return report('no math');
const t0 = Date.now();
(function poll() {
  if (window.MathJax && MathJax.Hub && MathJax.Hub.Queue) return MathJax.Hub.Queue(() => report('MathJax 2 done'));
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) return MathJax.startup.promise.then(() => report('MathJax 3 done'));
  if (Date.now() - t0 > 20000) return report('MathJax never loaded');
  setTimeout(poll, 100);
})();
"""

SCROLL_TO = """
const all = document.querySelectorAll(arguments[0]);
const el = arguments[1] ? all[all.length - 1] : all[0];
if (!el) return false;
el.scrollIntoView({block: 'start'}); window.scrollBy(0, -70); return true;
"""

PAGE_FACTS = """
const imgs = [...document.images];
const here = location.origin;
const res = performance.getEntriesByType('resource').map(e => e.name);
const q = s => document.querySelector(s);
return {
  title: document.title,
  text: document.body ? document.body.innerText : '',
  images: imgs.length,
  broken: imgs.filter(i => !i.complete || i.naturalWidth === 0).map(i => i.currentSrc || i.src || i.outerHTML.slice(0, 120)),
  remote: res.filter(u => !u.startsWith(here) && !u.startsWith('data:') && !u.startsWith('blob:')),
  tracebacks: document.querySelectorAll('.output.traceback, div.traceback, .cell_output .traceback').length,
  links: [...document.querySelectorAll('a[href]')].map(a => a.href).filter(h => h.startsWith(here)),
  header: !!q('.course-header'),
  run: q('.course-run') ? q('.course-run').innerText : null,
  figures: document.querySelectorAll('table.course-figures tbody tr').length,
  colab: q('.course-header a.colab-badge') ? q('.course-header a.colab-badge').href : null,
  prev: q('a.left-prev') ? q('a.left-prev').href : null,
  next: q('a.right-next') ? q('a.right-next').href : null,
  search: !!q('input[name="q"], .search-button, .search-button-field, form[action*="search"]'),
  api: (() => { const h = [...document.querySelectorAll('h2')].find(h => h.innerText.startsWith('API reference'));
                return h ? h.parentElement.querySelectorAll('h3').length : -1; })(),
  articleLinks: [...document.querySelectorAll('article a[href], .bd-article a[href]')].map(a => a.href).filter(h => h.startsWith(here)),
  outputImages: document.querySelectorAll('.cell_output img').length,
};
"""


def page_name(url: str) -> str:
    p = urllib.parse.urlsplit(url).path
    return p.rsplit('/', 1)[-1] or 'index.html'


def check_site(site: Path, chromium: str, driver: str, lesson: str | None, shots: Path, log=print) -> list[str]:
    settings = read_settings(ROOT)
    nbs = ROOT / settings.get('nbs_path', 'nbs')
    manifest_path = site / 'site-manifest.json'
    if not manifest_path.is_file(): return [f"no {manifest_path}: build the site first (make site)"]
    manifest = json.loads(manifest_path.read_text(encoding='utf-8'))
    lessons = [p.stem for p in lesson_paths(nbs)]
    expected = ['index.html'] + [f'{s}.html' for s in lessons]
    listed = [pg['page'] for pg in manifest['pages']]
    problems = []
    if listed != expected:
        problems.append(f"manifest lists {listed}, the layout (nbs/) gives {expected}")
    colab_prefix = f"https://colab.research.google.com/github/"
    rec = Recorder()
    srv = serve(site, rec)
    base = f"http://127.0.0.1:{srv.server_address[1]}/"
    profile = tempfile.mkdtemp(prefix='course-site-chromium-')
    d = None
    stats = dict(pages=0, images=0, output_images=0, links=0, math=0)
    try:
        d = start_browser(chromium, driver, profile)
        version = d.capabilities.get('browserVersion', '?')
        log(f"browser: Chromium {version} headless, site served at {base}")
        links, facts_by_page = set(), {}
        for i, page in enumerate(expected):
            n0 = len(rec)
            d.get(base + page)
            d.execute_async_script(WAIT_IMAGES)
            math = d.execute_async_script(WAIT_MATH)
            time.sleep(0.2)
            f = d.execute_script(PAGE_FACTS)
            facts_by_page[page] = f
            stats['pages'] += 1; stats['images'] += f['images']; stats['output_images'] += f['outputImages']
            bad = [(p, s) for p, s in rec.since(n0) if s >= 400]
            own = [s for p, s in rec.since(n0) if p.rstrip('/').endswith('/' + page) or (page == 'index.html' and p == '/')]
            where = f"{page}:"
            if not own or own[0] != 200:
                problems.append(f"{where} page not served (status {own[:1] or 'none'})")
                continue
            problems += [f"{where} {s} for {p}" for p, s in bad]
            problems += [f"{where} broken image {b}" for b in f['broken']]
            problems += [f"{where} loads {u} from another host (the site must work offline)" for u in f['remote']]
            if f['tracebacks'] or TRACEBACK.search(f['text']):
                m = TRACEBACK.search(f['text'])
                ctx = f['text'][max(0, m.start() - 200): m.end() + 200].replace('\n', ' | ') if m else ''
                problems.append(f"{where} shows a Python traceback ({f['tracebacks']} traceback outputs) {ctx}")
            if not f['search']: problems.append(f"{where} no search box")
            stats['math'] += math['math']
            if math['math'] and not math['rendered']:
                problems.append(f"{where} {math['math']} formulas but MathJax rendered none ({math['state']})")
            if math['errors']: problems.append(f"{where} {math['errors']} formulas MathJax could not typeset")
            links.update(h.split('#')[0] for h in f['links'])
            if page == 'index.html':
                missing = [s for s in lessons if not any(page_name(h) == f'{s}.html' for h in f['articleLinks'])]
                if missing: problems.append(f"{where} the home page (nbs/index.ipynb) links to no page for {missing}")
                continue
            stem = page[:-5]
            meta = next((pg for pg in manifest['pages'] if pg['page'] == page), {})
            if not f['header']: problems.append(f"{where} no run/figures block under the title")
            if not f['run'] or ' mode' not in f['run']: problems.append(f"{where} the page does not say which mode produced it")
            if meta.get('figures', 0) != f['figures']:
                problems.append(f"{where} shows {f['figures']} headline figures, the run recorded {meta.get('figures')}")
            want = f"{colab_prefix}{settings['git_url'].split('github.com/')[-1].rstrip('/')}/blob/{settings.get('branch', 'main')}/{settings.get('nbs_path', 'nbs')}/{stem}.ipynb"
            if f['colab'] != want: problems.append(f"{where} Colab badge links to {f['colab']}, expected {want}")
            prev_want, next_want = expected[i - 1], (expected[i + 1] if i + 1 < len(expected) else None)
            if not f['prev'] or page_name(f['prev']) != prev_want:
                problems.append(f"{where} 'previous' goes to {f['prev'] and page_name(f['prev'])}, expected {prev_want}")
            if next_want and (not f['next'] or page_name(f['next']) != next_want):
                problems.append(f"{where} 'next' goes to {f['next'] and page_name(f['next'])}, expected {next_want}")
            if meta.get('module'):
                if f['api'] < 0: problems.append(f"{where} no API reference section for course_lib.{meta['module']}")
                elif meta.get('api_error'): problems.append(f"{where} the API of course_lib.{meta['module']} could not be read: {meta['api_error']}")
                elif f['api'] < meta.get('api_names', 0):
                    problems.append(f"{where} the API section shows {f['api']} names, course_lib.{meta['module']}.__all__ has {meta['api_names']}")
        # every same-site link: no missing page
        for url in sorted(links):
            stats['links'] += 1
            try:
                with urllib.request.urlopen(url, timeout=30) as r: status = r.status
            except urllib.error.HTTPError as e: status = e.code
            if status != 200: problems.append(f"link {url[len(base) - 1:]} -> {status}")
        # the search box works offline: a word of a lesson title finds that lesson
        word, target = search_word(manifest)
        if word:
            d.get(base + 'search.html?q=' + urllib.parse.quote(word))
            hits, t0 = [], time.time()
            while time.time() - t0 < 30:
                hits = d.execute_script("return [...document.querySelectorAll('#search-results a, ul.search li a')]"
                                        ".map(a => a.href)")
                if hits and d.execute_script("const s = document.querySelector('#search-results .search-summary, p.search-summary');"
                                             "return !!(s && s.innerText.trim())"): break
                time.sleep(0.3)
            if not any(page_name(h) == target for h in hits):
                problems.append(f"search for {word!r} does not find {target} (found {[page_name(h) for h in hits][:8]})")
            else:
                log(f"search: {word!r} -> {len(hits)} results including {target}")
        # screenshots: the home page, and one lesson (its top, and its first output picture)
        shots.mkdir(parents=True, exist_ok=True)
        lesson_pages = [p for p in expected[1:]]
        if lesson: pick = next((p for p in lesson_pages if p.startswith(lesson)), None)
        else: pick = max(lesson_pages, key=lambda p: (facts_by_page[p]['outputImages'] > 0, facts_by_page[p]['figures'],
                                                         facts_by_page[p]['outputImages']), default=None)
        d.get(base + 'index.html'); d.execute_async_script(WAIT_IMAGES); d.save_screenshot(str(shots / 'home.png'))
        written = ['home.png']
        if d.execute_script(SCROLL_TO, 'table'):       # the lesson table
            time.sleep(0.3); d.save_screenshot(str(shots / 'home-lessons.png')); written.append('home-lessons.png')
        if pick:
            d.get(base + pick); d.execute_async_script(WAIT_IMAGES); d.execute_async_script(WAIT_MATH)
            d.save_screenshot(str(shots / f'lesson-{pick[:-5]}.png')); written.append(f'lesson-{pick[:-5]}.png')
            if d.execute_script(SCROLL_TO, '.cell_output img', True):      # the lesson's last picture
                time.sleep(0.3)
                d.save_screenshot(str(shots / f'lesson-{pick[:-5]}-picture.png')); written.append(f'lesson-{pick[:-5]}-picture.png')
        log(f"screenshots: {', '.join(str(shots / w) for w in written)}")
    finally:
        if d is not None: d.quit()
        srv.shutdown(); srv.server_close()
        shutil.rmtree(profile, ignore_errors=True)
    log(f"checked {stats['pages']} pages ({stats['images']} images, {stats['output_images']} of them lesson outputs), "
        f"{stats['math']} formulas, {stats['links']} same-site links, search")
    return problems


def search_word(manifest: dict) -> tuple[str | None, str | None]:
    "A distinctive word of a lesson's title and that lesson's page (the longest word of the last lesson's title)."
    for pg in reversed(manifest['pages'][1:]):
        words = [w for w in re.findall(r'[A-Za-z]{5,}', pg.get('title', ''))]
        if words: return max(words, key=len).lower(), pg['page']
    return None, None


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog='tools/site/browser_test.py', description=__doc__.split('\n\n')[0])
    p.add_argument('--site', default=str(ROOT / '_site'), help='the built site (default _site)')
    p.add_argument('--chromium', default=os.environ.get('CHROMIUM'), help='browser binary (default: chromium, chromium-browser, google-chrome)')
    p.add_argument('--driver', default=os.environ.get('CHROMEDRIVER'), help='chromedriver (default: chromedriver on PATH)')
    p.add_argument('--lesson', default=None, help='lesson to screenshot, e.g. 07_ssd (default: one with pictures and figures)')
    a = p.parse_args(argv)
    site = Path(a.site).resolve()
    chromium = which(a.chromium, 'chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable')
    driver = which(a.driver, 'chromedriver', '/usr/lib/chromium/chromedriver')
    if not chromium or not driver:
        print(f"browser test: need Chromium and chromedriver (found {chromium}, {driver}); on Debian: "
              "apt-get install chromium chromium-driver", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    problems = check_site(site, chromium, driver, a.lesson, site / '_screenshots')
    for pr in problems: print(f"FAIL: {pr}", file=sys.stderr)
    print(f"browser test: {'FAILED, ' + str(len(problems)) + ' problem(s)' if problems else 'passed'} "
          f"in {time.perf_counter() - t0:.1f}s")
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
