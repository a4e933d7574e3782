
BPlus214_Output_0J(f-
ÄÆD
C(EÏıE›¨XÅWKŞÄ±NÉÅ¨÷ûE†èÄŠGD