
BPlus214_Output_0J(HC>ฤDจ1ขE๛ฒรป\#ล?สaล๓*gCuญýฤ+๖รd๋'ล