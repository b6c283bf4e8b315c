# usage: probe.py NAME [NAME...] > spec.json: linear eval (3 repeats, 100 % and 5 %) of jobs/NAME/checkpoints/final
import json, os, sys
ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../..'))
RUNS = os.path.join(ROOT, 'runs', 'screen')
base = json.load(open(os.path.join(ROOT, 'examples/jobs/tuning/linear_eval_crop04_vs_crop02.json')))
base['display_name'] = 'screen probe ' + ' '.join(sys.argv[1:])
base['linear_eval']['subjects'] = [
    {'name': n, 'checkpoint_path': os.path.join(RUNS, 'jobs', n, 'checkpoints', 'final')} for n in sys.argv[1:]]
json.dump(base, sys.stdout, indent=1)
