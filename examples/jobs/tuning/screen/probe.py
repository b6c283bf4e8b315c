# usage: probe.py NAME [NAME...] > spec.json: linear eval (3 repeats, 100 % and 5 %) of jobs/NAME/checkpoints/final
# PROBE_GRID=middle: only the five middle values of the default C grid (7.7e-4 to 2.8), which skips the weakly
# regularised fits that cost most of the time (compared with the whole grid in docs/results.md).
import json, os, sys
ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../..'))
RUNS = os.path.join(ROOT, 'runs', 'screen')
base = json.load(open(os.path.join(ROOT, 'examples/jobs/tuning/linear_eval_crop04_vs_crop02.json')))
base['display_name'] = 'screen probe ' + ' '.join(sys.argv[1:])
base['linear_eval']['subjects'] = [
    {'name': n, 'checkpoint_path': os.path.join(RUNS, 'jobs', n, 'checkpoints', 'final')} for n in sys.argv[1:]]
# PROBE_FRACTION=1.0 (or 0.05): that fraction only; PROBE_REPEATS=N: N repeats (default 3).
if os.environ.get('PROBE_FRACTION'):
    base['linear_eval']['protocol']['label_fractions'] = [float(os.environ['PROBE_FRACTION'])]
if os.environ.get('PROBE_REPEATS'):
    base['linear_eval']['protocol']['repeats'] = int(os.environ['PROBE_REPEATS'])
if os.environ.get('PROBE_GRID') == 'middle':
    base['linear_eval']['classifier']['c_grid'] = [10 ** (-4 + 8 * k / 9) for k in range(1, 6)]
json.dump(base, sys.stdout, indent=1)
