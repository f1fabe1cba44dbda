import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../src/data/audio/wav.js';
import { checkManifest, formatProblem, splitCounts, type DatasetManifest, type Problem } from '../src/data/manifest.js';
import { DESED_CLASSES } from '../src/data/readers/desed.js';
import { detectFormat, readDataset } from '../src/data/readers/detect.js';
import { failure } from './helpers.js';

let base = '';
let counter = 0;
const WAV = encodeWav([new Float32Array(80)], 8000, 'pcm16');

/** A fresh dataset folder with the given files: text content, or null for a small WAV. */
async function dataset(files: Record<string, string | null>): Promise<string> {
  const root = path.join(base, `set${++counter}`);
  for (const [relative, content] of Object.entries(files)) {
    const file = path.join(root, relative);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content ?? WAV);
  }
  return root;
}

const wavs = (dir: string, names: string[]): Record<string, null> => Object.fromEntries(names.map((n) => [`${dir}/${n}`, null]));
const tsv = (rows: string[][]): string => rows.map((r) => r.join('\t')).join('\n') + '\n';

function problemAt(problems: Problem[], file: string, line: number): Problem {
  const found = problems.find((p) => p.file.endsWith(file) && p.line === line);
  if (!found) throw new Error(`no problem at ${file}:${line}; problems: ${problems.map(formatProblem).join(' | ')}`);
  return found;
}

beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'sedjoule-readers-'));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('desed', () => {
  const good = (): Record<string, string | null> => ({
    'metadata/train/weak.tsv': tsv([
      ['filename', 'event_labels'],
      ['w1.wav', 'Dog,Speech'],
      ['w2.wav', 'Cat'],
      ['s1.wav', 'Frying,Blender'],
    ]),
    'metadata/train/strong.tsv': tsv([
      ['filename', 'onset', 'offset', 'event_label'],
      ['s1.wav', '1.500', '3.000', 'Frying'],
      ['s1.wav', '0.250', '0.750', 'Blender'],
      ['s2.wav', '', '', ''],
    ]),
    'metadata/validation/validation.tsv': tsv([
      ['filename', 'onset', 'offset', 'event_label'],
      ['v1.wav', '0.467', '0.717', 'Alarm_bell_ringing'],
      ['v1.wav', '2', '9.5', 'Speech'],
      ['v2.wav', '', '', ''],
    ]),
    ...wavs('audio/train/weak', ['w1.wav', 'w2.wav', 's1.wav', 's2.wav']),
    ...wavs('audio/validation', ['v1.wav', 'v2.wav']),
  });

  it('reads weak and strong train labels and the strong validation split', async () => {
    const root = await dataset(good());
    const manifest = await readDataset(root);
    expect(manifest.format).toBe('desed');
    expect(manifest.root).toBe(root);
    expect(manifest.classes).toEqual(DESED_CLASSES);
    expect(manifest.problems).toEqual([]);
    const byName = Object.fromEntries(manifest.items.map((i) => [path.basename(i.path), i]));
    expect(byName['w1.wav']).toEqual({ path: path.join(root, 'audio/train/weak/w1.wav'), labels: ['Dog', 'Speech'], split: 'train' });
    // Weak and strong rows for one clip merge; events come sorted by onset; labels in class order.
    expect(byName['s1.wav'].labels).toEqual(['Blender', 'Frying']);
    expect(byName['s1.wav'].events).toEqual([
      { onset: 0.25, offset: 0.75, label: 'Blender' },
      { onset: 1.5, offset: 3, label: 'Frying' },
    ]);
    expect(byName['s2.wav']).toMatchObject({ labels: [], events: [], split: 'train' });
    expect(byName['v1.wav']).toMatchObject({ labels: ['Alarm_bell_ringing', 'Speech'], split: 'test' });
    expect(byName['v1.wav'].events).toHaveLength(2);
    expect(byName['v2.wav']).toMatchObject({ labels: [], events: [], split: 'test' });
    expect(splitCounts(manifest)).toEqual({ train: 4, test: 2 });
  });

  it('reports every malformed row with file, line and field, and leaves those clips out', async () => {
    const files = good();
    files['metadata/train/weak.tsv'] = tsv([
      ['filename', 'event_labels'],
      ['w1.wav', 'Dog,Unicorn'], // 2: unknown class
      ['w2.wav', 'Cat', 'extra'], // 3: column count
      ['s1.wav', 'Frying,Blender'],
      ['w2.wav', 'Cat'], // 5: w2 listed again
    ]);
    files['metadata/validation/validation.tsv'] = tsv([
      ['filename', 'onset', 'offset', 'event_label'],
      ['v1.wav', '3.0', '1.0', 'Speech'], // 2: onset after offset
      ['v2.wav', 'abc', '1.0', 'Speech'], // 3: not a number
      ['v3.wav', '0.5', '1.0', 'Speech'], // 4: no audio
      ['v4.wav', '0.5', '1.0', 'Car'], // 5: unknown class
    ]);
    const root = await dataset(files);
    const manifest = await readDataset(root);
    expect(problemAt(manifest.problems, 'metadata/train/weak.tsv', 2)).toMatchObject({
      field: 'event_labels',
      message: "unknown class 'Unicorn'",
    });
    expect(problemAt(manifest.problems, 'metadata/train/weak.tsv', 3).message).toBe('expected 2 columns (filename, event_labels), found 3');
    expect(problemAt(manifest.problems, 'metadata/train/weak.tsv', 5)).toMatchObject({
      field: 'filename',
      message: "'w2.wav' is listed twice",
    });
    expect(problemAt(manifest.problems, 'validation.tsv', 2)).toMatchObject({ field: 'offset', message: 'onset 3 is after offset 1' });
    expect(problemAt(manifest.problems, 'validation.tsv', 3)).toMatchObject({
      field: 'onset',
      message: "'abc' is not a number of seconds",
    });
    expect(problemAt(manifest.problems, 'validation.tsv', 4).message).toBe(
      `audio file 'v3.wav' not found in ${path.join(root, 'audio/validation')}`,
    );
    expect(problemAt(manifest.problems, 'validation.tsv', 5)).toMatchObject({ field: 'event_label', message: "unknown class 'Car'" });
    expect(manifest.problems).toHaveLength(7);
    expect(manifest.items.map((i) => path.basename(i.path)).sort()).toEqual(['s1.wav', 's2.wav']);
  });

  it('reports weak labels that disagree with the strong events of the same clip', async () => {
    const files = good();
    files['metadata/train/weak.tsv'] = tsv([
      ['filename', 'event_labels'],
      ['s1.wav', 'Frying'],
    ]);
    const manifest = await readDataset(await dataset(files));
    expect(manifest.problems[0].message).toBe("weak labels [Frying] differ from the strong labels' classes [Blender, Frying]");
  });

  it('takes its classes from dataset.json, and accepts metadata/validation/weak.tsv', async () => {
    const root = await dataset({
      'dataset.json': JSON.stringify({ classes: ['kick', 'snare', 'hihat'], sources: [] }),
      'metadata/validation/weak.tsv': tsv([
        ['filename', 'event_labels'],
        ['a.wav', 'snare,kick'],
        ['b.wav', 'Dog'],
      ]),
      ...wavs('audio/validation', ['a.wav', 'b.wav']),
    });
    const manifest = await readDataset(root);
    expect(manifest.classes).toEqual(['kick', 'snare', 'hihat']);
    expect(manifest.items).toEqual([{ path: path.join(root, 'audio/validation/a.wav'), labels: ['kick', 'snare'], split: 'test' }]);
    expect(problemAt(manifest.problems, 'weak.tsv', 3).message).toBe("unknown class 'Dog'");
  });

  it('a bad dataset.json is E_DATA naming it', async () => {
    const root = await dataset({ 'dataset.json': '{"classes": "Dog"}', 'metadata/train/weak.tsv': 'filename\tevent_labels\n' });
    const error = await failure(() => readDataset(root));
    expect(error.code).toBe('E_DATA');
    expect(error.message).toContain(path.join(root, 'dataset.json'));
  });

  it('a header without the needed columns is E_DATA naming file and header', async () => {
    const root = await dataset({ 'metadata/train/weak.tsv': 'file\tlabels\nx.wav\tDog\n' });
    const error = await failure(() => readDataset(root));
    expect(error.message).toBe(
      `${path.join(root, 'metadata/train/weak.tsv')}:1: missing columns 'filename', 'event_labels' (header is 'file', 'labels')`,
    );
  });
});

describe('esc50', () => {
  const rows = [
    'filename,fold,target,category,esc10,src_file,take',
    '1-100032-A-0.wav,1,0,dog,True,100032,A',
    '2-100038-A-14.wav,2,14,chirping_birds,False,100038,A',
    '5-103415-A-1.wav,5,1,rooster,False,103415,A',
    '5-200000-A-0.wav,5,0,dog,True,200000,A',
  ];
  const audio = wavs('audio', ['1-100032-A-0.wav', '2-100038-A-14.wav', '5-103415-A-1.wav', '5-200000-A-0.wav']);

  it('one label per clip, classes by target, fold 5 held out', async () => {
    const root = await dataset({ 'meta/esc50.csv': rows.join('\n'), ...audio });
    const manifest = await readDataset(root);
    expect(manifest.format).toBe('esc50');
    expect(manifest.classes).toEqual(['dog', 'rooster', 'chirping_birds']);
    expect(manifest.items[0]).toEqual({
      path: path.join(root, 'audio/1-100032-A-0.wav'),
      labels: ['dog'],
      split: 'train',
      fold: 1,
      source: '100032',
    });
    expect(manifest.items.filter((i) => i.split === 'test').map((i) => i.fold)).toEqual([5, 5]);
    const fold2 = await readDataset(root, { testFold: 2 });
    expect(fold2.items.filter((i) => i.split === 'test').map((i) => path.basename(i.path))).toEqual(['2-100038-A-14.wav']);
  });

  it('selects classes: others are dropped, the order is the one given', async () => {
    const root = await dataset({ 'meta/esc50.csv': rows.join('\n'), ...audio });
    const manifest = await readDataset(root, { classes: ['rooster', 'dog'] });
    expect(manifest.classes).toEqual(['rooster', 'dog']);
    expect(manifest.items).toHaveLength(3);
    const error = await failure(() => readDataset(root, { classes: ['dgo'] }));
    expect(error.code).toBe('E_VALUE');
    expect(error.message).toContain("class 'dgo' is not one of the esc50 dataset's classes");
  });

  it('problems: bad fold, bad target, a target with two names, missing audio', async () => {
    const root = await dataset({
      'meta/esc50.csv': [
        ...rows,
        '3-1-A-0.wav,7,0,dog,True,1,A',
        '3-2-A-0.wav,3,x,dog,True,2,A',
        '3-3-A-0.wav,3,0,cat,True,3,A',
        '3-4-A-0.wav,3,0,dog,True,4,A',
      ].join('\n'),
      ...audio,
      ...wavs('audio', ['3-1-A-0.wav', '3-2-A-0.wav', '3-3-A-0.wav']),
    });
    const { problems } = await readDataset(root);
    expect(problemAt(problems, 'esc50.csv', 6)).toMatchObject({ field: 'fold', message: "fold '7' is not a whole number 1..5" });
    expect(problemAt(problems, 'esc50.csv', 7).field).toBe('target');
    expect(problemAt(problems, 'esc50.csv', 8).message).toBe("target 0 is 'dog' on line 2, 'cat' here");
    expect(problemAt(problems, 'esc50.csv', 9).message).toContain("audio file '3-4-A-0.wav' not found");
  });

  it('a test fold outside 1..5 is E_VALUE', async () => {
    const root = await dataset({ 'meta/esc50.csv': rows.join('\n'), ...audio });
    expect((await failure(() => readDataset(root, { testFold: 6 }))).message).toContain('esc50: test fold must be 1..5, got 6');
  });
});

describe('urbansound8k', () => {
  it('reads folds from audio/fold<N>/, fold 10 held out, classes by classID, fsID as source', async () => {
    const root = await dataset({
      'metadata/UrbanSound8K.csv': [
        'slice_file_name,fsID,start,end,salience,fold,classID,class',
        '100032-3-0-0.wav,100032,0.0,0.317551,1,5,3,dog_bark',
        '100263-2-0-117.wav,100263,58.5,62.5,1,10,2,children_playing',
        '100648-1-0-0.wav,100648,4.52,5.06,2,10,1,car_horn',
        '999-1-0-0.wav,999,0,1,1,3,1,car_horn',
      ].join('\n'),
      ...wavs('audio/fold5', ['100032-3-0-0.wav']),
      ...wavs('audio/fold10', ['100263-2-0-117.wav', '100648-1-0-0.wav']),
    });
    const manifest = await readDataset(root);
    expect(manifest.format).toBe('urbansound8k');
    expect(manifest.classes).toEqual(['car_horn', 'children_playing', 'dog_bark']);
    expect(manifest.items[0]).toEqual({
      path: path.join(root, 'audio/fold5/100032-3-0-0.wav'),
      labels: ['dog_bark'],
      split: 'train',
      fold: 5,
      source: '100032',
    });
    expect(splitCounts(manifest)).toEqual({ train: 1, test: 2 });
    expect(problemAt(manifest.problems, 'UrbanSound8K.csv', 5).message).toContain(
      `(folder ${path.join(root, 'audio/fold3')} does not exist)`,
    );
    expect(splitCounts(await readDataset(root, { testFold: 5 }))).toEqual({ train: 2, test: 1 });
  });
});

describe('fsd50k', () => {
  it('reads dev (train/val) and eval (test), quoted label lists, classes from vocabulary.csv', async () => {
    const root = await dataset({
      'FSD50K.ground_truth/vocabulary.csv': '0,Electric_guitar,/m/02sgy\n1,Guitar,/m/0342h\n2,Music,/m/04rlf\n3,Bark,/m/05tny_\n',
      'FSD50K.ground_truth/dev.csv': [
        'fname,labels,mids,split',
        '64760,"Music,Guitar,Electric_guitar","/m/04rlf,/m/0342h,/m/02sgy",train',
        '16399,Bark,/m/05tny_,val',
        '111,"Bark,Meow","/m/05tny_,/m/07qrkrw",train',
        '112,Bark,/m/05tny_,test',
      ].join('\n'),
      'FSD50K.ground_truth/eval.csv': 'fname,labels,mids\n37199,"Music","/m/04rlf"\n',
      ...wavs('FSD50K.dev_audio', ['64760.wav', '16399.wav', '111.wav', '112.wav']),
      ...wavs('FSD50K.eval_audio', ['37199.wav']),
    });
    const manifest = await readDataset(root);
    expect(manifest.format).toBe('fsd50k');
    expect(manifest.classes).toEqual(['Electric_guitar', 'Guitar', 'Music', 'Bark']);
    expect(manifest.items[0]).toEqual({
      path: path.join(root, 'FSD50K.dev_audio/64760.wav'),
      labels: ['Electric_guitar', 'Guitar', 'Music'],
      split: 'train',
      source: '64760',
    });
    expect(splitCounts(manifest)).toEqual({ train: 1, val: 1, test: 1 });
    expect(problemAt(manifest.problems, 'dev.csv', 4)).toMatchObject({
      field: 'labels',
      message: "unknown label 'Meow' (not in vocabulary.csv)",
    });
    expect(problemAt(manifest.problems, 'dev.csv', 5)).toMatchObject({
      field: 'split',
      message: "split 'test' is neither 'train' nor 'val'",
    });
  });
});

describe('folder', () => {
  it('labels.csv with ; | and quoted , separators and a split column', async () => {
    const root = await dataset({
      'labels.csv': 'filename,labels,split\nclips/a.wav,dog;cat,train\nclips/b.wav,bird|dog,validation\nc.wav,"cat,bird",test\nd.wav,,\n',
      ...wavs('clips', ['a.wav', 'b.wav']),
      ...wavs('.', ['c.wav', 'd.wav']),
    });
    const manifest = await readDataset(root);
    expect(manifest.format).toBe('folder');
    expect(manifest.classes).toEqual(['bird', 'cat', 'dog']);
    expect(manifest.items).toEqual([
      { path: path.join(root, 'clips/a.wav'), labels: ['cat', 'dog'], split: 'train' },
      { path: path.join(root, 'clips/b.wav'), labels: ['bird', 'dog'], split: 'val' },
      { path: path.join(root, 'c.wav'), labels: ['bird', 'cat'], split: 'test' },
      { path: path.join(root, 'd.wav'), labels: [], split: 'train' },
    ]);
  });

  it('labels.tsv without a split column: everything is train', async () => {
    const root = await dataset({
      'labels.tsv': 'file\tlabel\na.wav\tdog\nb.wav\tcat\nb.wav\tcat\nmissing.wav\tcat\n',
      ...wavs('.', ['a.wav', 'b.wav']),
    });
    const manifest = await readDataset(root);
    expect(manifest.items.map((i) => i.split)).toEqual(['train', 'train']);
    expect(problemAt(manifest.problems, 'labels.tsv', 4).message).toBe("'b.wav' is already listed on line 3");
    expect(problemAt(manifest.problems, 'labels.tsv', 5).field).toBe('filename');
  });
});

describe('format detection', () => {
  it('recognises each layout by its metadata file', async () => {
    expect(await detectFormat(await dataset({ 'metadata/validation/validation.tsv': '' }))).toBe('desed');
    expect(await detectFormat(await dataset({ 'meta/esc50.csv': '' }))).toBe('esc50');
    expect(await detectFormat(await dataset({ 'metadata/UrbanSound8K.csv': '' }))).toBe('urbansound8k');
    expect(await detectFormat(await dataset({ 'FSD50K.ground_truth/eval.csv': '' }))).toBe('fsd50k');
    expect(await detectFormat(await dataset({ 'labels.csv': '' }))).toBe('folder');
  });

  it('says what it looked for when nothing matches', async () => {
    const root = await dataset({ 'readme.txt': 'hello' });
    const error = await failure(() => detectFormat(root));
    expect(error.code).toBe('E_DATA');
    expect(error.message).toContain(`${root}: no known dataset layout found; looked for desed: metadata/train/weak.tsv or`);
    expect(error.message).toContain('esc50: meta/esc50.csv');
    expect(error.message).toContain('urbansound8k: metadata/UrbanSound8K.csv');
    expect(error.message).toContain('fsd50k: FSD50K.ground_truth/dev.csv or FSD50K.ground_truth/eval.csv');
    expect(error.message).toContain('folder: labels.csv or labels.tsv');
  });

  it('refuses to guess between two layouts; an explicit format decides', async () => {
    const root = await dataset({
      'meta/esc50.csv': 'filename,fold,target,category\na.wav,1,0,dog\n',
      'labels.csv': 'filename,labels\na.wav,dog\n',
      ...wavs('audio', ['a.wav']),
    });
    const error = await failure(() => readDataset(root));
    expect(error.message).toContain('looks like several dataset formats (esc50: meta/esc50.csv; folder: labels.csv)');
    expect((await readDataset(root, { format: 'esc50' })).items).toHaveLength(1);
  });

  it('a missing folder is E_IO; a test fold for a format without folds is E_VALUE', async () => {
    const error = await failure(() => readDataset(path.join(base, 'nope')));
    expect(error.code).toBe('E_IO');
    expect(error.message).toContain('does not exist');
    const root = await dataset({ 'labels.csv': 'filename,labels\n' });
    expect((await failure(() => readDataset(root, { testFold: 2 }))).message).toContain(
      'a test fold applies to esc50 and urbansound8k only',
    );
  });

  it('a dataset path or an audio folder that is a file is named once, with what is wrong', async () => {
    const file = path.join(await dataset({ 'x.txt': 'text' }), 'x.txt');
    const under = await failure(() => readDataset(path.join(file, 'set')));
    expect(under.code).toBe('E_IO');
    expect(under.message).toBe(`dataset folder ${path.join(file, 'set')}: cannot be read (ENOTDIR)`);
    const root = await dataset({ 'meta/esc50.csv': 'filename,fold,target,category\na.wav,1,0,dog\n', audio: 'not a folder' });
    const read = await readDataset(root);
    expect(problemAt(read.problems, 'esc50.csv', 2).message).toBe(
      `audio file 'a.wav' not found in ${path.join(root, 'audio')} (cannot list ${path.join(root, 'audio')} (a file, not a folder))`,
    );
  });

  it('an explicit format whose metadata is absent says which file is missing', async () => {
    const root = await dataset({ 'labels.csv': 'filename,labels\n' });
    const error = await failure(() => readDataset(root, { format: 'urbansound8k' }));
    expect(error.code).toBe('E_DATA');
    expect(error.message).toContain(`${path.join(root, 'metadata/UrbanSound8K.csv')} does not exist`);
  });
});

describe('checkManifest', () => {
  const manifest = (problems: number): DatasetManifest => ({
    format: 'folder',
    root: '/data/set',
    classes: ['a', 'b'],
    items: [
      { path: '/data/set/1.wav', labels: ['a'], split: 'train' },
      { path: '/data/set/2.wav', labels: ['b'], split: 'test' },
    ],
    problems: Array.from({ length: problems }, (_, i) => ({
      file: '/data/set/labels.csv',
      line: i + 2,
      field: 'filename',
      message: `problem ${i}`,
    })),
  });

  it('passes a clean manifest through', () => {
    const result = checkManifest(manifest(0), { skipBad: false });
    expect(result.skipped).toEqual([]);
    expect(result.manifest.items).toHaveLength(2);
  });

  it('without skipBad: E_DATA with the first 10 problems, the total and the --skip-bad hint', async () => {
    const error = await failure(() => checkManifest(manifest(12), { skipBad: false }));
    expect(error.code).toBe('E_DATA');
    expect(error.message).toContain(
      '/data/set (folder): 12 problems in the dataset; fix them, or run with --skip-bad to skip the affected items (2 good items would remain)',
    );
    expect(error.message).toContain('  /data/set/labels.csv:2 (filename): problem 0');
    expect(error.message).toContain('  /data/set/labels.csv:11 (filename): problem 9');
    expect(error.message).not.toContain('problem 10');
    expect(error.message).toContain('... and 2 more');
  });

  it('with skipBad: the items that passed, and the skipped problems listed', () => {
    const result = checkManifest(manifest(3), { skipBad: true });
    expect(result.manifest.items).toHaveLength(2);
    expect(result.manifest.problems).toEqual([]);
    expect(result.skipped.map((p) => p.line)).toEqual([2, 3, 4]);
  });

  it('an item whose label is not a class is a problem too', () => {
    const m = manifest(0);
    m.items.push({ path: '/data/set/3.wav', labels: ['c'], split: 'train' });
    const result = checkManifest(m, { skipBad: true });
    expect(result.manifest.items).toHaveLength(2);
    expect(formatProblem(result.skipped[0])).toBe("/data/set/3.wav (labels): label 'c' not among the 2 classes");
  });

  it('nothing left is an error even with skipBad', async () => {
    const m = manifest(1);
    m.items = [];
    const error = await failure(() => checkManifest(m, { skipBad: true }));
    expect(error.code).toBe('E_DATA');
    expect(error.message).toContain(
      'no usable items; all were skipped for 1 problem(s), the first: /data/set/labels.csv:2 (filename): problem 0',
    );
  });

  it('works on a real reader result', async () => {
    const root = await dataset({ 'labels.csv': 'filename,labels\na.wav,dog\nb.wav,cat\n', ...wavs('.', ['a.wav']) });
    const read = await readDataset(root);
    const error = await failure(() => checkManifest(read, { skipBad: false }));
    expect(error.message).toContain(`${path.join(root, 'labels.csv')}:3 (filename): audio file 'b.wav' not found in ${root}`);
    const { manifest: kept, skipped } = checkManifest(read, { skipBad: true });
    expect(kept.items.map((i) => path.basename(i.path))).toEqual(['a.wav']);
    expect(skipped).toHaveLength(1);
  });
});

describe('listed files stay inside the dataset root', () => {
  /** An outside folder with a WAV and a text file, beside the dataset folders. */
  async function outside(): Promise<{ wav: string; text: string }> {
    const dir = path.join(base, `outside${++counter}`);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'x.wav'), WAV);
    await writeFile(path.join(dir, 'secret.txt'), 'password=hunter2\n');
    return { wav: path.join(dir, 'x.wav'), text: path.join(dir, 'secret.txt') };
  }

  it('folder: ../ names, absolute paths and links out are problems of file:line; --skip-bad goes on without them', async () => {
    const out = await outside();
    const root = await dataset({ ...wavs('.', ['a.wav']) });
    const up = path.relative(root, out.wav);
    await symlink(out.text, path.join(root, 'link.wav'));
    await mkdir(path.join(root, 'clips'));
    await symlink(path.dirname(out.wav), path.join(root, 'clips', 'elsewhere'));
    await writeFile(
      path.join(root, 'labels.csv'),
      `filename,labels\na.wav,dog\n${up},dog\n${out.text},dog\n/etc/passwd,dog\nlink.wav,dog\nclips/elsewhere/x.wav,dog\n`,
    );
    const manifest = await readDataset(root);
    expect(manifest.items.map((i) => path.basename(i.path))).toEqual(['a.wav']);
    for (const line of [3, 4, 5]) expect(problemAt(manifest.problems, 'labels.csv', line).message).toMatch(/outside the dataset root/);
    for (const line of [6, 7])
      expect(problemAt(manifest.problems, 'labels.csv', line).message).toMatch(/is a link to .*outside the dataset root/);
    // Nothing of the outside files is quoted: they were never read.
    expect(manifest.problems.map(formatProblem).join('\n')).not.toContain('hunter2');

    const strict = await failure(() => checkManifest(manifest, { skipBad: false }));
    expect(strict.code).toBe('E_DATA');
    expect(strict.message).toContain(`${path.join(root, 'labels.csv')}:3 (filename)`);
    expect(checkManifest(manifest, { skipBad: true }).skipped).toHaveLength(5);
  });

  it('desed, esc50, urbansound8k and fsd50k check every listed name the same way', async () => {
    const out = await outside();
    const desed = await dataset({
      'metadata/train/weak.tsv': tsv([
        ['filename', 'event_labels'],
        ['w1.wav', 'Dog'],
        ['../../../../x.wav', 'Dog'],
        ['/etc/passwd', 'Cat'],
      ]),
      ...wavs('audio/train/weak', ['w1.wav']),
      ...wavs('.', ['x.wav']),
    });
    const desedRead = await readDataset(desed);
    expect(desedRead.items.map((i) => path.basename(i.path))).toEqual(['w1.wav']);
    expect(problemAt(desedRead.problems, 'weak.tsv', 3).message).toMatch(/outside the dataset root/);
    expect(problemAt(desedRead.problems, 'weak.tsv', 4).message).toMatch(/outside the dataset root/);

    const esc50 = await dataset({
      'meta/esc50.csv': `filename,fold,target,category\na.wav,1,0,dog\n${out.wav},1,0,dog\n../../../etc/passwd,1,0,dog\n`,
      ...wavs('audio', ['a.wav']),
    });
    const esc50Read = await readDataset(esc50);
    expect(esc50Read.items).toHaveLength(1);
    expect(problemAt(esc50Read.problems, 'esc50.csv', 3).message).toMatch(/outside the dataset root/);
    expect(problemAt(esc50Read.problems, 'esc50.csv', 4).message).toMatch(/outside the dataset root/);

    const us8k = await dataset({
      'metadata/UrbanSound8K.csv': `slice_file_name,fsID,start,end,salience,fold,classID,class\na.wav,1,0,1,1,1,0,dog\n../../../x.wav,2,0,1,1,1,0,dog\n`,
      ...wavs('audio/fold1', ['a.wav']),
    });
    await symlink(out.wav, path.join(us8k, 'x.wav'));
    const us8kRead = await readDataset(us8k);
    expect(us8kRead.items).toHaveLength(1);
    expect(problemAt(us8kRead.problems, 'UrbanSound8K.csv', 3).message).toMatch(/outside the dataset root/);

    const fsd = await dataset({
      'FSD50K.ground_truth/dev.csv': `fname,labels,mids,split\n1,Dog,/m/1,train\n2,Dog,/m/1,train\n`,
      ...wavs('FSD50K.dev_audio', ['1.wav']),
    });
    await symlink(out.wav, path.join(fsd, 'FSD50K.dev_audio', '2.wav'));
    const fsdRead = await readDataset(fsd);
    expect(fsdRead.items).toHaveLength(1);
    expect(problemAt(fsdRead.problems, 'dev.csv', 3).message).toMatch(/is a link to .*outside the dataset root/);
  });

  it('an audio folder that is itself a link to another disk is read, and links inside the root are fine', async () => {
    const out = await outside();
    const root = await dataset({ 'meta/esc50.csv': 'filename,fold,target,category\nx.wav,1,0,dog\ny.wav,1,0,dog\n' });
    await symlink(path.dirname(out.wav), path.join(root, 'audio'));
    await symlink('x.wav', path.join(path.dirname(out.wav), 'y.wav'));
    const read = await readDataset(root);
    expect(read.problems).toEqual([]);
    expect(read.items.map((i) => path.basename(i.path))).toEqual(['x.wav', 'y.wav']);
  });
});
