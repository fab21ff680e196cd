import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseCpuInfo, parseOsRelease } from '../../agent/host-identity.linux.js';

test('os-release: quoted and bare values', () => {
  assert.equal(parseOsRelease('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n# comment\n'), {
    PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)', NAME: 'Debian GNU/Linux', VERSION_ID: '12', ID: 'debian',
  });
});

test('cpuinfo: x86 model, logical and physical cores (hyper-threads counted once)', () => {
  const cpu = (p: number, phys: number, core: number) => `processor\t: ${p}\nmodel name\t: Intel(R) Xeon(R) Processor\nphysical id\t: ${phys}\ncore id\t\t: ${core}\n\n`;
  assert.equal(parseCpuInfo(cpu(0, 0, 0) + cpu(1, 0, 0) + cpu(2, 0, 1) + cpu(3, 0, 1)), { cpuModel: 'Intel(R) Xeon(R) Processor', cores: 4, physicalCores: 2 });
});

test('cpuinfo: a Raspberry Pi names its board, with no core ids', () => {
  const text = 'processor\t: 0\nBogoMIPS\t: 108.00\n\nprocessor\t: 1\nBogoMIPS\t: 108.00\n\nHardware\t: BCM2835\nModel\t\t: Raspberry Pi 4 Model B Rev 1.4\n';
  assert.equal(parseCpuInfo(text), { cpuModel: 'Raspberry Pi 4 Model B Rev 1.4', cores: 2 });
});

test.run();
