# usage: spec.py NAME ENCODER.pt BUDGET_MIN [key=json ...] > spec.json  (keys are dotted paths in pretrain)
import json, os, sys
ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../..'))
RUNS = os.path.join(ROOT, 'runs', 'screen')
base = json.load(open(os.path.join(ROOT, 'examples/jobs/fashion_mnist_pretrain_width2.json')))
name, enc, budget = sys.argv[1], sys.argv[2], float(sys.argv[3])
p = base['pretrain']
base['display_name'] = 'screen ' + name
if enc.endswith('.pt'):
    p['encoder'] = {'torchscript': {'path': os.path.join(ROOT, enc)}}
p['budget_minutes'] = budget
p.pop('epochs')
p['monitor']['knn_every_epochs'] = 100
for kv in sys.argv[4:]:
    k, v = kv.split('=', 1)
    if k == 'seed': base['seed'] = json.loads(v); continue
    d = p; ks = k.split('.')
    for kk in ks[:-1]: d = d.setdefault(kk, {})
    d[ks[-1]] = json.loads(v)
json.dump(base, sys.stdout, indent=1)
