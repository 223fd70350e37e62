/* GDAL, OGR, OSR and CPL functions of geoembed, opened at their first use
 * (see geoembed/lazy_lib.h): a run that reads and writes only CSV files and
 * models never loads GDAL. A call to a function missing here fails to link
 * ("undefined reference"): add its line, with the signature of its header. */
#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal.h>
#include <gdal_alg.h>
#include <gdal_utils.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include "geoembed/gdal_lib.h"
#include "geoembed/lazy_lib.h"

#ifndef GE_GDAL_SONAME
#error "GE_GDAL_SONAME (the soname of libgdal, from the Makefile) is not defined"
#endif
_Static_assert(sizeof GE_GDAL_SONAME > 1, "GE_GDAL_SONAME is empty: libgdal.so not found at build time");

/* F(return type, name, parameters, arguments); V(name, ...) for void */
#define GDAL_FUNCTIONS(F, V) \
    V(CPLDefaultErrorHandler, (CPLErr a0, CPLErrorNum a1, const char *a2), (a0, a1, a2)) \
    V(CPLErrorReset, (void), ()) \
    F(char *, CPLEscapeString, (const char *a0, int a1, int a2), (a0, a1, a2)) \
    F(const char *, CPLGetConfigOption, (const char *a0, const char *a1), (a0, a1)) \
    F(const char *, CPLGetLastErrorMsg, (void), ()) \
    F(CPLErr, CPLGetLastErrorType, (void), ()) \
    F(const char *, CPLGetThreadLocalConfigOption, (const char *a0, const char *a1), (a0, a1)) \
    F(const char *, CPLParseNameValue, (const char *a0, char **a1), (a0, a1)) \
    V(CPLPopErrorHandler, (void), ()) \
    V(CPLPushErrorHandler, (CPLErrorHandler a0), (a0)) \
    V(CPLQuietErrorHandler, (CPLErr a0, CPLErrorNum a1, const char *a2), (a0, a1, a2)) \
    F(CPLErrorHandler, CPLSetErrorHandler, (CPLErrorHandler a0), (a0)) \
    V(CPLSetThreadLocalConfigOption, (const char *a0, const char *a1), (a0, a1)) \
    F(char *, CPLStrdup, (const char *a0), (a0)) \
    F(char **, CSLAddString, (char **a0, const char *a1), (a0, a1)) \
    F(int, CSLCount, (CSLConstList a0), (a0)) \
    V(CSLDestroy, (char **a0), (a0)) \
    F(const char *, CSLFetchNameValue, (CSLConstList a0, const char *a1), (a0, a1)) \
    F(int, CSLFindString, (CSLConstList a0, const char *a1), (a0, a1)) \
    F(char **, CSLSetNameValue, (char **a0, const char *a1, const char *a2), (a0, a1, a2)) \
    F(char **, CSLTokenizeString, (const char *a0), (a0)) \
    V(GDALAllRegister, (void), ()) \
    V(GDALClose, (GDALDatasetH a0), (a0)) \
    F(CPLErr, GDALContourGenerateEx, (GDALRasterBandH a0, void *a1, CSLConstList a2, GDALProgressFunc a3, void *a4), (a0, a1, a2, a3, a4)) \
    V(GDALCopyWords, (const void *__restrict__ a0, GDALDataType a1, int a2, void *__restrict__ a3, GDALDataType a4, int a5, int a6), (a0, a1, a2, a3, a4, a5, a6)) \
    F(GDALDatasetH, GDALCreate, (GDALDriverH a0, const char *a1, int a2, int a3, int a4, GDALDataType a5, CSLConstList a6), (a0, a1, a2, a3, a4, a5, a6)) \
    F(GDALDatasetH, GDALCreateCopy, (GDALDriverH a0, const char *a1, GDALDatasetH a2, int a3, CSLConstList a4, GDALProgressFunc a5, void *a6), (a0, a1, a2, a3, a4, a5, a6)) \
    F(CPLErr, GDALCreateDatasetMaskBand, (GDALDatasetH a0, int a1), (a0, a1)) \
    F(int, GDALDataTypeIsComplex, (GDALDataType a0), (a0)) \
    F(int, GDALDataTypeIsFloating, (GDALDataType a0), (a0)) \
    F(OGRErr, GDALDatasetCommitTransaction, (GDALDatasetH a0), (a0)) \
    F(OGRLayerH, GDALDatasetCreateLayer, (GDALDatasetH a0, const char *a1, OGRSpatialReferenceH a2, OGRwkbGeometryType a3, CSLConstList a4), (a0, a1, a2, a3, a4)) \
    F(OGRLayerH, GDALDatasetGetLayer, (GDALDatasetH a0, int a1), (a0, a1)) \
    F(OGRLayerH, GDALDatasetGetLayerByName, (GDALDatasetH a0, const char *a1), (a0, a1)) \
    F(int, GDALDatasetGetLayerCount, (GDALDatasetH a0), (a0)) \
    F(CPLErr, GDALDatasetRasterIO, (GDALDatasetH a0, GDALRWFlag a1, int a2, int a3, int a4, int a5, void *a6, int a7, int a8, GDALDataType a9, int a10, int *a11, int a12, int a13, int a14), (a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14)) \
    F(OGRErr, GDALDatasetStartTransaction, (GDALDatasetH a0, int a1), (a0, a1)) \
    V(GDALGetBlockSize, (GDALRasterBandH a0, int *a1, int *a2), (a0, a1, a2)) \
    F(GDALDataType, GDALGetDataTypeByName, (const char *a0), (a0)) \
    F(const char *, GDALGetDataTypeName, (GDALDataType a0), (a0)) \
    F(int, GDALGetDataTypeSizeBytes, (GDALDataType a0), (a0)) \
    F(GDALDriverH, GDALGetDatasetDriver, (GDALDatasetH a0), (a0)) \
    F(const char *, GDALGetDescription, (GDALMajorObjectH a0), (a0)) \
    F(GDALDriverH, GDALGetDriver, (int a0), (a0)) \
    F(GDALDriverH, GDALGetDriverByName, (const char *a0), (a0)) \
    F(int, GDALGetDriverCount, (void), ()) \
    F(const char *, GDALGetDriverShortName, (GDALDriverH a0), (a0)) \
    F(CPLErr, GDALGetGeoTransform, (GDALDatasetH a0, double *a1), (a0, a1)) \
    F(GDALRasterBandH, GDALGetMaskBand, (GDALRasterBandH a0), (a0)) \
    F(int, GDALGetMaskFlags, (GDALRasterBandH a0), (a0)) \
    F(char **, GDALGetMetadata, (GDALMajorObjectH a0, const char *a1), (a0, a1)) \
    F(const char *, GDALGetMetadataItem, (GDALMajorObjectH a0, const char *a1, const char *a2), (a0, a1, a2)) \
    F(const char *, GDALGetProjectionRef, (GDALDatasetH a0), (a0)) \
    F(GDALRasterBandH, GDALGetRasterBand, (GDALDatasetH a0, int a1), (a0, a1)) \
    F(GDALColorInterp, GDALGetRasterColorInterpretation, (GDALRasterBandH a0), (a0)) \
    F(GDALColorTableH, GDALGetRasterColorTable, (GDALRasterBandH a0), (a0)) \
    F(int, GDALGetRasterCount, (GDALDatasetH a0), (a0)) \
    F(GDALDataType, GDALGetRasterDataType, (GDALRasterBandH a0), (a0)) \
    F(double, GDALGetRasterNoDataValue, (GDALRasterBandH a0, int *a1), (a0, a1)) \
    F(double, GDALGetRasterOffset, (GDALRasterBandH a0, int *a1), (a0, a1)) \
    F(double, GDALGetRasterScale, (GDALRasterBandH a0, int *a1), (a0, a1)) \
    F(const char *, GDALGetRasterUnitType, (GDALRasterBandH a0), (a0)) \
    F(int, GDALGetRasterXSize, (GDALDatasetH a0), (a0)) \
    F(int, GDALGetRasterYSize, (GDALDatasetH a0), (a0)) \
    F(GDALDriverH, GDALIdentifyDriverEx, (const char *a0, unsigned int a1, const char *const *a2, const char *const *a3), (a0, a1, a2, a3)) \
    F(GDALDatasetH, GDALOpen, (const char *a0, GDALAccess a1), (a0, a1)) \
    F(GDALDatasetH, GDALOpenEx, (const char *a0, unsigned int a1, const char *const *a2, const char *const *a3, const char *const *a4), (a0, a1, a2, a3, a4)) \
    F(CPLErr, GDALRasterIO, (GDALRasterBandH a0, GDALRWFlag a1, int a2, int a3, int a4, int a5, void *a6, int a7, int a8, GDALDataType a9, int a10, int a11), (a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11)) \
    V(GDALSetCacheMax64, (GIntBig a0), (a0)) \
    V(GDALSetDescription, (GDALMajorObjectH a0, const char *a1), (a0, a1)) \
    F(CPLErr, GDALSetGeoTransform, (GDALDatasetH a0, double *a1), (a0, a1)) \
    F(CPLErr, GDALSetMetadata, (GDALMajorObjectH a0, CSLConstList a1, const char *a2), (a0, a1, a2)) \
    F(CPLErr, GDALSetMetadataItem, (GDALMajorObjectH a0, const char *a1, const char *a2, const char *a3), (a0, a1, a2, a3)) \
    F(CPLErr, GDALSetProjection, (GDALDatasetH a0, const char *a1), (a0, a1)) \
    F(CPLErr, GDALSetRasterColorInterpretation, (GDALRasterBandH a0, GDALColorInterp a1), (a0, a1)) \
    F(CPLErr, GDALSetRasterColorTable, (GDALRasterBandH a0, GDALColorTableH a1), (a0, a1)) \
    F(CPLErr, GDALSetRasterNoDataValue, (GDALRasterBandH a0, double a1), (a0, a1)) \
    F(int, GDALValidateCreationOptions, (GDALDriverH a0, CSLConstList a1), (a0, a1)) \
    F(CPLErr, GDALSetRasterOffset, (GDALRasterBandH a0, double a1), (a0, a1)) \
    F(CPLErr, GDALSetRasterScale, (GDALRasterBandH a0, double a1), (a0, a1)) \
    F(CPLErr, GDALSetRasterUnitType, (GDALRasterBandH a0, const char *a1), (a0, a1)) \
    F(GDALDatasetH, GDALWarp, (const char *a0, GDALDatasetH a1, int a2, GDALDatasetH *a3, const GDALWarpAppOptions *a4, int *a5), (a0, a1, a2, a3, a4, a5)) \
    V(GDALWarpAppOptionsFree, (GDALWarpAppOptions *a0), (a0)) \
    F(GDALWarpAppOptions *, GDALWarpAppOptionsNew, (char **a0, GDALWarpAppOptionsForBinary *a1), (a0, a1)) \
    V(OCTDestroyCoordinateTransformation, (OGRCoordinateTransformationH a0), (a0)) \
    F(OGRCoordinateTransformationH, OCTNewCoordinateTransformation, (OGRSpatialReferenceH a0, OGRSpatialReferenceH a1), (a0, a1)) \
    F(int, OCTTransformBounds, (OGRCoordinateTransformationH a0, const double a1, const double a2, const double a3, const double a4, double *a5, double *a6, double *a7, double *a8, const int a9), (a0, a1, a2, a3, a4, a5, a6, a7, a8, a9)) \
    F(int, OCTTransformEx, (OGRCoordinateTransformationH a0, int a1, double *a2, double *a3, double *a4, int *a5), (a0, a1, a2, a3, a4, a5)) \
    F(int, OGR_FD_GetFieldCount, (OGRFeatureDefnH a0), (a0)) \
    F(OGRFieldDefnH, OGR_FD_GetFieldDefn, (OGRFeatureDefnH a0, int a1), (a0, a1)) \
    F(int, OGR_FD_GetFieldIndex, (OGRFeatureDefnH a0, const char *a1), (a0, a1)) \
    F(OGRFeatureH, OGR_F_Create, (OGRFeatureDefnH a0), (a0)) \
    V(OGR_F_Destroy, (OGRFeatureH a0), (a0)) \
    F(GIntBig, OGR_F_GetFID, (OGRFeatureH a0), (a0)) \
    F(int, OGR_F_GetFieldAsDateTimeEx, (OGRFeatureH a0, int a1, int *a2, int *a3, int *a4, int *a5, int *a6, float *a7, int *a8), (a0, a1, a2, a3, a4, a5, a6, a7, a8)) \
    F(double, OGR_F_GetFieldAsDouble, (OGRFeatureH a0, int a1), (a0, a1)) \
    F(const char *, OGR_F_GetFieldAsString, (OGRFeatureH a0, int a1), (a0, a1)) \
    F(OGRFieldDefnH, OGR_F_GetFieldDefnRef, (OGRFeatureH a0, int a1), (a0, a1)) \
    F(OGRGeometryH, OGR_F_GetGeometryRef, (OGRFeatureH a0), (a0)) \
    F(int, OGR_F_IsFieldSetAndNotNull, (OGRFeatureH a0, int a1), (a0, a1)) \
    V(OGR_F_SetFieldDouble, (OGRFeatureH a0, int a1, double a2), (a0, a1, a2)) \
    V(OGR_F_SetFieldNull, (OGRFeatureH a0, int a1), (a0, a1)) \
    V(OGR_F_SetFieldString, (OGRFeatureH a0, int a1, const char *a2), (a0, a1, a2)) \
    F(OGRErr, OGR_F_SetFromWithMap, (OGRFeatureH a0, OGRFeatureH a1, int a2, const int *a3), (a0, a1, a2, a3)) \
    F(OGRErr, OGR_F_SetGeometryDirectly, (OGRFeatureH a0, OGRGeometryH a1), (a0, a1)) \
    F(OGRFieldDefnH, OGR_Fld_Create, (const char *a0, OGRFieldType a1), (a0, a1)) \
    V(OGR_Fld_Destroy, (OGRFieldDefnH a0), (a0)) \
    F(const char *, OGR_Fld_GetNameRef, (OGRFieldDefnH a0), (a0)) \
    F(int, OGR_Fld_GetPrecision, (OGRFieldDefnH a0), (a0)) \
    F(OGRFieldSubType, OGR_Fld_GetSubType, (OGRFieldDefnH a0), (a0)) \
    F(OGRFieldType, OGR_Fld_GetType, (OGRFieldDefnH a0), (a0)) \
    F(int, OGR_Fld_GetWidth, (OGRFieldDefnH a0), (a0)) \
    V(OGR_Fld_SetPrecision, (OGRFieldDefnH a0, int a1), (a0, a1)) \
    V(OGR_Fld_SetSubType, (OGRFieldDefnH a0, OGRFieldSubType a1), (a0, a1)) \
    V(OGR_Fld_SetWidth, (OGRFieldDefnH a0, int a1), (a0, a1)) \
    F(OGRwkbGeometryType, OGR_GT_Flatten, (OGRwkbGeometryType a0), (a0)) \
    F(int, OGR_G_Centroid, (OGRGeometryH a0, OGRGeometryH a1), (a0, a1)) \
    F(OGRGeometryH, OGR_G_CreateGeometry, (OGRwkbGeometryType a0), (a0)) \
    V(OGR_G_DestroyGeometry, (OGRGeometryH a0), (a0)) \
    F(int, OGR_G_GetGeometryCount, (OGRGeometryH a0), (a0)) \
    F(const char *, OGR_G_GetGeometryName, (OGRGeometryH a0), (a0)) \
    F(OGRGeometryH, OGR_G_GetGeometryRef, (OGRGeometryH a0, int a1), (a0, a1)) \
    F(OGRwkbGeometryType, OGR_G_GetGeometryType, (OGRGeometryH a0), (a0)) \
    F(OGRGeometryH, OGR_G_GetLinearGeometry, (OGRGeometryH a0, double a1, char **a2), (a0, a1, a2)) \
    F(int, OGR_G_GetPointCount, (OGRGeometryH a0), (a0)) \
    F(double, OGR_G_GetX, (OGRGeometryH a0, int a1), (a0, a1)) \
    F(double, OGR_G_GetY, (OGRGeometryH a0, int a1), (a0, a1)) \
    F(int, OGR_G_IsEmpty, (OGRGeometryH a0), (a0)) \
    V(OGR_G_SetPoint_2D, (OGRGeometryH a0, int a1, double a2, double a3), (a0, a1, a2, a3)) \
    F(OGRErr, OGR_L_CreateFeature, (OGRLayerH a0, OGRFeatureH a1), (a0, a1)) \
    F(OGRErr, OGR_L_CreateField, (OGRLayerH a0, OGRFieldDefnH a1, int a2), (a0, a1, a2)) \
    F(GIntBig, OGR_L_GetFeatureCount, (OGRLayerH a0, int a1), (a0, a1)) \
    F(OGRwkbGeometryType, OGR_L_GetGeomType, (OGRLayerH a0), (a0)) \
    F(OGRFeatureDefnH, OGR_L_GetLayerDefn, (OGRLayerH a0), (a0)) \
    F(const char *, OGR_L_GetName, (OGRLayerH a0), (a0)) \
    F(OGRFeatureH, OGR_L_GetNextFeature, (OGRLayerH a0), (a0)) \
    F(OGRSpatialReferenceH, OGR_L_GetSpatialRef, (OGRLayerH a0), (a0)) \
    V(OGR_L_ResetReading, (OGRLayerH a0), (a0)) \
    F(OGRErr, OGR_L_SetAttributeFilter, (OGRLayerH a0, const char *a1), (a0, a1)) \
    V(OSRDestroySpatialReference, (OGRSpatialReferenceH a0), (a0)) \
    F(OGRErr, OSRExportToWkt, (OGRSpatialReferenceH a0, char **a1), (a0, a1)) \
    F(OGRErr, OSRExportToWktEx, (OGRSpatialReferenceH a0, char **a1, const char *const *a2), (a0, a1, a2)) \
    F(const char *, OSRGetAuthorityCode, (OGRSpatialReferenceH a0, const char *a1), (a0, a1)) \
    F(const char *, OSRGetAuthorityName, (OGRSpatialReferenceH a0, const char *a1), (a0, a1)) \
    F(const char *, OSRGetName, (OGRSpatialReferenceH a0), (a0)) \
    F(OGRErr, OSRImportFromWkt, (OGRSpatialReferenceH a0, char **a1), (a0, a1)) \
    F(int, OSRIsGeographic, (OGRSpatialReferenceH a0), (a0)) \
    F(int, OSRIsSame, (OGRSpatialReferenceH a0, OGRSpatialReferenceH a1), (a0, a1)) \
    F(OGRSpatialReferenceH, OSRNewSpatialReference, (const char *a0), (a0)) \
    V(OSRRelease, (OGRSpatialReferenceH a0), (a0)) \
    V(OSRSetAxisMappingStrategy, (OGRSpatialReferenceH a0, OSRAxisMappingStrategy a1), (a0, a1)) \
    F(OGRErr, OSRSetFromUserInput, (OGRSpatialReferenceH a0, const char *a1), (a0, a1)) \
    V(OSRSetPROJEnableNetwork, (int a0), (a0)) \
    V(VSIFree, (void *a0), (a0))

LAZY_LIB_DEFINE(ge_gdal_lib, "GDAL", GE_GDAL_SONAME, GDAL_FUNCTIONS)

#define STUB_F(ret, name, params, args) LAZY_STUB(ge_gdal_lib, ret, name, params, args)
#define STUB_V(name, params, args) LAZY_STUB_VOID(ge_gdal_lib, name, params, args)
GDAL_FUNCTIONS(STUB_F, STUB_V)
