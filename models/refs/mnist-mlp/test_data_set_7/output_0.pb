
B
predictionJ(5>0V065êJì3‹X½4+m>=«¡9xMÌ4çv7®•7›t?