import { decodeImage } from '@storelens/vision';
import { encodePng } from './face-crops';

describe('face crops', () => {
  it('stores crops losslessly', async () => {
    const img = { width: 4, height: 3, data: Uint8Array.from({ length: 36 }, (_, i) => (i * 37) % 256) };
    const back = await decodeImage(await encodePng(img));
    expect({ ...back, data: Array.from(back.data) }).toEqual({ ...img, data: Array.from(img.data) });
  });
});
