"""Packaging for course_lib; every setting lives in settings.ini (nbdev 2 layout).

Deliberately free of ``pkg_resources`` (removed from current setuptools)."""
import shlex
from configparser import ConfigParser

import setuptools

cfg = ConfigParser(delimiters=['='])
cfg.read('settings.ini', encoding='utf-8')
cfg = cfg['DEFAULT']

for key in 'version description keywords author author_email license git_url lib_name min_python'.split():
    if key not in cfg: raise KeyError(f'settings.ini is missing {key!r}')

licenses = {'apache2': 'Apache-2.0'}   # SPDX expression (license classifiers are deprecated)
statuses = ['1 - Planning', '2 - Pre-Alpha', '3 - Alpha', '4 - Beta', '5 - Production/Stable', '6 - Mature', '7 - Inactive']
py_versions = '3.10 3.11 3.12 3.13'.split()

def split_reqs(key):
    "Requirements are space separated; a quoted string keeps a specifier with spaces together."
    return shlex.split(cfg.get(key, ''))

lic = licenses.get(cfg['license'].lower(), cfg['license'])
min_python = cfg['min_python']
classifiers = ['Development Status :: ' + statuses[int(cfg.get('status', '3')) - 1],
               'Intended Audience :: ' + cfg.get('audience', 'Developers'),
               'Natural Language :: ' + cfg.get('language', 'English')]
classifiers += ['Programming Language :: Python :: ' + v for v in py_versions[py_versions.index(min_python):]]

console_scripts = [s for s in cfg.get('console_scripts', '').split() if s]

setuptools.setup(
    name=cfg['lib_name'],
    version=cfg['version'],
    description=cfg['description'],
    long_description=open('README.md', encoding='utf-8').read() if __import__('os').path.exists('README.md') else '',
    long_description_content_type='text/markdown',
    keywords=cfg['keywords'],
    author=cfg['author'],
    author_email=cfg['author_email'],
    url=cfg['git_url'],
    license=lic,
    classifiers=classifiers,
    packages=setuptools.find_packages(include=[cfg['lib_path'], cfg['lib_path'] + '.*']),
    include_package_data=True,
    install_requires=split_reqs('requirements'),
    extras_require={'dev': split_reqs('dev_requirements'), 'site': split_reqs('site_requirements')},
    python_requires='>=' + min_python,
    zip_safe=False,
    entry_points={'console_scripts': console_scripts,
                  'nbdev': [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"]},
)
