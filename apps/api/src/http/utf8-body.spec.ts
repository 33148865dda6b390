import { requireUtf8, verifyAll } from './utf8-body';

const verify = (body: Buffer, encoding = 'utf-8') => () => requireUtf8({} as never, {} as never, body, encoding);

describe('requireUtf8', () => {
  it('lets UTF-8 through, accents and emoji included', () => {
    expect(verify(Buffer.from('{"statut_marital":"Divorcé(e)","x":"😀"}'))).not.toThrow();
  });

  it('refuses a Windows-1252 byte with status 400, naming its byte offset', () => {
    // Arrange: {"s":"Divorc<0xE9>(e)"}: the é of Windows-1252 at byte 12
    const body = Buffer.concat([Buffer.from('{"s":"Divorc'), Buffer.from([0xe9]), Buffer.from('(e)"}')]);
    // Act + Assert
    expect(verify(body)).toThrow(
      expect.objectContaining({ status: 400, constraint: 'utf8', message: 'The body is not valid UTF-8 (byte offset 12); send it encoded as UTF-8' }),
    );
  });

  it('leaves a body declared in another charset to body-parser', () => {
    expect(verify(Buffer.from('{"s":"é"}', 'utf16le'), 'utf-16le')).not.toThrow();
  });

  it('verifyAll runs every check in turn until one throws', () => {
    const seen: string[] = [];
    const all = verifyAll(
      () => seen.push('first'),
      () => {
        throw new Error('second');
      },
      () => seen.push('third'),
    );
    expect(() => all({} as never, {} as never, Buffer.alloc(0), 'utf-8')).toThrow('second');
    expect(seen).toEqual(['first']);
  });
});
