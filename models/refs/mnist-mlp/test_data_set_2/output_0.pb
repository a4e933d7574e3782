
B
predictionJ(µTé/œı?¸û7›*„6]³u3r˜K5#hé5cR7ç‚Ù4ãDW3