import { NewPredictionRecord } from './prediction-log.repository';
import { toJsonDocument } from './prediction-writers';

function entry(i: number): NewPredictionRecord {
  return {
    // Non-ASCII text, quotes and a line break: the bytes must be UTF-8 and the JSON escaped.
    features: { age: 20 + (i % 40), statut_marital: i % 2 ? 'Célibataire' : 'Marié(e) "civil"\n', genre: i % 2 },
    prediction: (i % 2) as 0 | 1,
    probability: i / 1000 + 1e-9,
    threshold: 0.32,
    modelVersion: '1.1.0',
    contributions: i % 3 ? { age: -0.0424 * i, poste: 0.2 } : null,
    idempotencyKey: i % 4 ? `file-key:${i}` : undefined,
  };
}

describe('toJsonDocument', () => {
  it.each([0, 1, 99, 100, 101, 250, 1000])("is jsonb's binary format of the JSON array of %i entries, in order: version 1, then UTF-8 text", async (n) => {
    // Arrange
    const entries = Array.from({ length: n }, (_, i) => entry(i));
    // Act
    const document = await toJsonDocument(entries);
    // Assert
    expect(document[0]).toBe(1); // jsonb's binary format version
    expect(document.subarray(1).toString('utf8')).toBe(JSON.stringify(entries));
  });
});
