# Screening encoders as TorchScript: small-CNN variants, same init as the builtin.
import os, sys, torch, torch.nn as nn
ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../..'))
RUNS = os.path.join(ROOT, 'runs', 'screen')

class Net(nn.Module):
    def __init__(self, chans, pools, flatten=False, pool_first=False):
        super().__init__()
        layers, c_in = [], 1
        for c, p in zip(chans, pools):
            conv = nn.Conv2d(c_in, c, 3, padding=1, bias=False)
            nn.init.kaiming_normal_(conv.weight, mode='fan_out', nonlinearity='relu')
            if p and pool_first:
                layers += [conv, nn.BatchNorm2d(c), nn.MaxPool2d(2), nn.ReLU()]
            else:
                layers += [conv, nn.BatchNorm2d(c), nn.ReLU()]
                if p: layers.append(nn.MaxPool2d(2))
            c_in = c
        self.body = nn.Sequential(*layers)
        self.flatten = flatten
    def forward(self, x):
        x = self.body(x)
        if self.flatten:
            return torch.flatten(x, 1)
        return torch.mean(x, [2, 3])

variants = {
  'w2': ([64,128,256,256], [1,1,1,0]),
  'w2_f1024': ([64,128,256,1024], [1,1,1,0]),
  'w1_f1024': ([32,64,128,1024], [1,1,1,0]),
  'w2_f512': ([64,128,256,512], [1,1,1,0]),
}
os.makedirs(RUNS, exist_ok=True)
for name in sys.argv[1:]:
    pool_first = name.endswith('_pf')
    ch, po = variants[name[:-3] if pool_first else name]
    torch.manual_seed(1)
    m = torch.jit.script(Net(ch, po, pool_first=pool_first))
    m.save(os.path.join(RUNS, name + '.pt'))
    print(name, sum(p.numel() for p in m.parameters()))
