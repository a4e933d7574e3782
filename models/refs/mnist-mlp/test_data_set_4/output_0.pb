
B
predictionJ(È¡Ê4ª”¬0ß¬•4¦G%0•0?ëAj6J7Ë·³7øi5cM;