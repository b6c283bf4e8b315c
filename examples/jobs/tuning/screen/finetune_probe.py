# usage: finetune_probe.py NAME [key=json ...] > spec.json: fine-tuning of jobs/NAME/checkpoints/final
# at 100 % of the labels, 1 repeat, from examples/jobs/fashion_mnist_finetune_100pct.json (SimCLR only);
# keys are dotted paths in finetune (e.g. augmentation={...} unfreeze_rounds=[...]).
import json, os, sys
ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../..'))
RUNS = os.path.join(ROOT, 'runs', 'screen')
base = json.load(open(os.path.join(ROOT, 'examples/jobs/fashion_mnist_finetune_100pct.json')))
name = sys.argv[1]
f = base['finetune']
base['display_name'] = ('screen fine-tune ' + ' '.join(sys.argv[1:]))[:128]
f['subjects'] = [{'name': name, 'checkpoint_path': os.path.join(RUNS, 'jobs', name, 'checkpoints', 'final')}]
f['protocol']['repeats'] = 1
for p in ('path', 'labels_path'):  # the base spec's paths are relative to examples/jobs
    for split in ('train', 'test'):
        if split in f['data'] and 'local' in f['data'][split]:
            f['data'][split]['local'][p] = os.path.normpath(
                os.path.join(ROOT, 'examples/jobs', f['data'][split]['local'][p]))
for kv in sys.argv[2:]:
    k, v = kv.split('=', 1)
    d = f; ks = k.split('.')
    for kk in ks[:-1]: d = d.setdefault(kk, {})
    d[ks[-1]] = json.loads(v)
json.dump(base, sys.stdout, indent=1)
