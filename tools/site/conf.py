"""Sphinx configuration of the course website; tools/site/build.py copies it next to the prepared notebooks,
with site.json (title, repository, branch) written from settings.ini. Nothing is executed: the notebooks come
with the outputs `course-lib run` gave them."""
import json
from pathlib import Path

_site = json.loads((Path(__file__).parent / 'site.json').read_text(encoding='utf-8'))

project = _site['project']
author = _site['author']
copyright = _site['copyright']
release = version = _site['version']

extensions = ['myst_nb', 'sphinx.ext.githubpages']
exclude_patterns = ['_build', '**/.ipynb_checkpoints', 'site.json', '_extra']
master_doc = root_doc = 'index'
language = 'en'

# myst-nb: render the executed notebooks as they are
nb_execution_mode = 'off'
nb_output_stderr = 'show'
nb_merge_streams = True
myst_enable_extensions = ['dollarmath', 'amsmath', 'colon_fence']   # raw HTML stays raw (paths of the built site)
myst_heading_anchors = 3
suppress_warnings = ['mystnb.unknown_mime_type', 'myst.header']

html_theme = 'sphinx_book_theme'
html_title = _site['project']
html_static_path = ['_static']
html_css_files = ['course.css']
html_favicon = '_static/favicon.svg'
html_extra_path = ['_extra'] if (Path(__file__).parent / '_extra').is_dir() else []   # pictures raw HTML shows
html_copy_source = False
html_show_sourcelink = False
html_last_updated_fmt = None
html_theme_options = {
    'repository_url': _site['repository_url'],
    'repository_branch': _site['branch'],
    'path_to_docs': _site['nbs_path'],
    'use_repository_button': True,
    'use_download_button': False,
    'use_fullscreen_button': False,
    'show_navbar_depth': 1,
    'home_page_in_toc': True,
    'show_toc_level': 2,
    'navigation_with_keys': False,
}
html_context = {'default_mode': 'light'}

if _site.get('mathjax'):      # a local MathJax 2 (jupyter-server-mathjax): math renders without the internet
    mathjax_path = 'mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full'
    mathjax2_config = {'tex2jax': {'inlineMath': [['\\(', '\\)']], 'displayMath': [['\\[', '\\]']],
                                   'processRefs': False, 'processEnvironments': False,
                                   # myst marks the page text tex2jax_ignore; typeset only what it marks as math
                                   'processClass': 'tex2jax_process|mathjax_process|math|output_area'},
                        # the package ships the STIX-Web fonts only (as Jupyter's classic notebook used them)
                        'HTML-CSS': {'availableFonts': [], 'preferredFont': None, 'webFont': 'STIX-Web', 'imageFont': None}}
