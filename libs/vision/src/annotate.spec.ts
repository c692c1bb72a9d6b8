import sharp from 'sharp';
import { annotateJpeg, annotationSvg } from './annotate';

describe('annotation', () => {
  const face = { box: { x: 10, y: 10, width: 40, height: 50 }, text: 'Unknown, female, 29, happy <&>', known: false };

  it('draws a box, landmarks and an escaped label per face, inside the frame', () => {
    const svg = annotationSvg(100, 80, [{ ...face, landmarks: [[20, 30], [40, 30], [30, 40], [22, 50], [38, 50]] }]);
    expect(svg.match(/<circle/g)).toHaveLength(5);
    expect(svg).toContain('Unknown, female, 29, happy &lt;&amp;&gt;');
    const labelX = Number(/<rect x="([\d.]+)" y="[\d.]+" width="(\d+)" height="\d+" fill="#ef4444"\/><text/.exec(svg)![1]);
    expect(labelX).toBeGreaterThanOrEqual(0);
  });

  it('colours known people green and unknown red, and keeps the image size', async () => {
    expect(annotationSvg(10, 10, [{ ...face, known: true }])).toContain('#22c55e');
    const img = { data: new Uint8Array(120 * 90 * 3).fill(128), width: 120, height: 90 };
    const meta = await sharp(await annotateJpeg(img, [face])).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 120, 90]);
  });
});
