"""Runs inside ParaView (pvbatch): opens XDMF files with each of ParaView's XDMF readers and
saves what the reader delivers, for tests/check_paraview.py to compare with the HDF5 files.

Usage: pvbatch tests/pv_read.py OUTDIR FILE.xmf...

For the k-th FILE and each reader R of READERS it writes OUTDIR/<k>_<R>.npz holding: times
(the reader's TimestepValues; empty for a file without times) and, per time index i: dims_i,
spacing_i, origin_i (of the image the reader delivers at that time), class_i, names_i (its
point arrays, comma-separated), c_i (the point array c in VTK order, x fastest), and ids_i,
xyz_i (a few point ids and their coordinates).
"""
import os
import sys

import numpy as np
from paraview import simple as pv
from paraview import servermanager as sm
from vtk.numpy_interface import dataset_adapter as dsa

# "XDMF Reader" (XDMF 2, ParaView's long-standing default for .xmf) and the two XDMF 3
# readers ParaView offers for the same files
READERS = ("XDMFReader", "Xdmf3ReaderS", "Xdmf3ReaderT")


def read(reader_name, path):
    if reader_name == "XDMFReader":
        reader = pv.XDMFReader(FileNames=[path])
    else:
        reader = getattr(pv, reader_name)(FileName=[path])
    reader.UpdatePipelineInformation()
    tv = reader.TimestepValues  # a vector property; a plain number when there is one time
    times = [float(tv)] if isinstance(tv, (int, float)) else [float(t) for t in tv]
    res = {"times": np.array(times, dtype=np.float64)}
    for i, t in enumerate(times or [None]):
        if t is None:
            reader.UpdatePipeline()
        else:
            reader.UpdatePipeline(t)
        data = sm.Fetch(reader)
        while data.IsA("vtkMultiBlockDataSet"):
            data = data.GetBlock(0)
        pd = data.GetPointData()
        names = [pd.GetArrayName(k) for k in range(pd.GetNumberOfArrays())]
        res["dims_%d" % i] = np.array(data.GetDimensions())
        res["spacing_%d" % i] = np.array(data.GetSpacing())
        res["origin_%d" % i] = np.array(data.GetOrigin())
        res["names_%d" % i] = np.array(",".join(names))
        res["class_%d" % i] = np.array(data.GetClassName())
        if "c" in names:
            res["c_%d" % i] = np.array(dsa.WrapDataObject(data).PointData["c"], dtype=np.float64)
        n = data.GetNumberOfPoints()
        ids = sorted({0, 1, n // 3 + 7, n // 2 + 3, (2 * n) // 3 + 11, n - 2, n - 1})
        res["ids_%d" % i] = np.array(ids)
        res["xyz_%d" % i] = np.array([data.GetPoint(j) for j in ids])
    pv.Delete(reader)
    return res


outdir = sys.argv[1]
for k, path in enumerate(sys.argv[2:]):
    for r in READERS:
        res = read(r, path)
        np.savez(os.path.join(outdir, "%d_%s.npz" % (k, r)), **res)
        print("pv_read: %s %s: %d times" % (r, path, len(res["times"])), flush=True)
