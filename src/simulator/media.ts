import { crc32, deflateSync } from 'node:zlib';
import { hashSeed, mulberry32 } from './prng.js';

/** One generated result file: real bytes of its type, so a download can be checked by a viewer or a player. */
export interface MediaFile {
  readonly contentType: string;
  readonly bytes: Buffer;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** A 32x32 RGB PNG: a gradient in colours drawn from `seed`, so each file differs and any viewer opens it. */
export function png(seed: number): Buffer {
  const rand = mulberry32(seed);
  const size = 32;
  const [r0, g0, b0] = [rand() * 255, rand() * 255, rand() * 255];
  const rows: Buffer[] = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 3);
    for (let x = 0; x < size; x++) {
      row[1 + x * 3] = (r0 + x * 6) & 255;
      row[2 + x * 3] = (g0 + y * 6) & 255;
      row[3 + x * 3] = (b0 + (x + y) * 3) & 255;
    }
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function box(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
}

/** An ISO BMFF (MP4) file: `ftyp`, a `moov` with a one-second movie header, and an `mdat` of seeded bytes. */
export function mp4(seed: number): Buffer {
  const rand = mulberry32(seed);
  const mvhd = Buffer.alloc(100);
  mvhd.writeUInt32BE(1000, 12); // timescale
  mvhd.writeUInt32BE(1000, 16); // duration: 1 s
  mvhd.writeUInt32BE(0x00010000, 20); // rate 1.0
  mvhd.writeUInt16BE(0x0100, 24); // volume 1.0
  // The identity matrix.
  mvhd.writeUInt32BE(0x00010000, 36);
  mvhd.writeUInt32BE(0x00010000, 52);
  mvhd.writeUInt32BE(0x40000000, 68);
  mvhd.writeUInt32BE(2, 96); // next track id
  const data = Buffer.alloc(2048);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(rand() * 256);
  const ftyp = box('ftyp', Buffer.from('isom', 'latin1'), Buffer.from([0, 0, 2, 0]), Buffer.from('isomiso2mp41', 'latin1'));
  return Buffer.concat([ftyp, box('moov', box('mvhd', mvhd)), box('mdat', data)]);
}

/** MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz, mono) of silence: about a quarter of a second. */
export function mp3(seed: number): Buffer {
  const frames = 8 + (seed % 4);
  const frame = Buffer.alloc(417);
  frame.set([0xff, 0xfb, 0x90, 0xc4], 0);
  return Buffer.concat(Array.from({ length: frames }, () => frame));
}

interface Maker {
  readonly contentType: string;
  readonly make: (seed: number) => Buffer;
}

const PNG: Maker = { contentType: 'image/png', make: png };
const MAKERS: Readonly<Record<string, Maker>> = {
  png: PNG,
  mp4: { contentType: 'video/mp4', make: mp4 },
  mp3: { contentType: 'audio/mpeg', make: mp3 },
};

/**
 * The file a result URL stands for, typed by the URL's extension: `.mp4` a video, `.mp3` (and Suno's stream
 * links) audio, anything else a PNG image. The same URL always gives the same bytes.
 */
export function mediaFor(url: string, seed: number): MediaFile {
  const path = url.replace(/[?#].*$/, '');
  const ext = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase() ?? (path.endsWith('/stream') ? 'mp3' : 'png');
  const maker = MAKERS[ext] ?? PNG;
  return { contentType: maker.contentType, bytes: maker.make(hashSeed(seed, url)) };
}
